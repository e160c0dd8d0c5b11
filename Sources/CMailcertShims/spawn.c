/* Before any include: pipe2 and posix_spawn_file_actions_addclosefrom_np are GNU extensions. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include "CMailcertShims.h"

int mc_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int mc_posix_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
