/*
 * loadgen: a STARTTLS SMTP load generator for Benchmarks/listener-benchmark.sh.
 *
 *   cc -O2 -Wall -o loadgen loadgen.c -lssl -lcrypto -lpthread
 *
 * Load mode (default): --clients C threads each run sessions back to back for --duration seconds (after
 * --warmup seconds that are not counted). A session is what a sending MTA does when it only negotiates TLS:
 * connect, 220 banner, EHLO, STARTTLS, a TLS 1.3 handshake, EHLO again, QUIT, 221, and the server's close.
 * Every session gets a fresh SSL from a context with no session cache and no tickets, so every handshake is a
 * full one: that is the cost a busy MX pays for each new sending host, and the one a listener must make cheap.
 * The chain is not verified (the benchmark serves a self-signed certificate); instead the SHA-256 of the leaf is
 * kept per session, which is what the reload test needs to see which certificate was served.
 *
 * Idle mode (--idle N --hold S): open N connections, read each banner, print "idle N open", keep them open
 * without a word for S seconds, close them. The benchmark measures the server's memory meanwhile.
 *
 * Output of load mode: one key=value line for scripts, then one line for people. With --records FILE, one line
 * per counted session: "start_ns end_ns result leafsha256hex" (CLOCK_REALTIME, so that the benchmark can
 * compare them with the times it switched certificates; "-" when no certificate was seen).
 *
 * SIGINT or SIGTERM ends a load run early: sessions in flight finish and are counted, then the summary is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* How a session ended. The order is the order of the steps, so the name says how far a failed session got. */
enum kind { K_OK, K_CONNECT, K_BANNER, K_EHLO, K_STARTTLS, K_HANDSHAKE, K_TLS_EHLO, K_QUIT, K_TIMEOUT, K_COUNT };
static const char *const kind_names[K_COUNT] = {
    "ok", "connect", "banner", "ehlo", "starttls", "handshake", "tls_ehlo", "quit", "timeout",
};

enum io { IO_OK, IO_EOF, IO_ERR, IO_TIMEOUT };

struct record {
    int64_t start_real, end_real; /* CLOCK_REALTIME ns, for --records */
    int64_t elapsed;              /* CLOCK_MONOTONIC ns, for the latency figures */
    enum kind kind;
    int has_leaf;
    unsigned char leaf[32];
};

struct worker {
    pthread_t thread;
    struct record *records;
    size_t count, capacity;
};

/* One SMTP connection. Replies are read through buf because a server may send a reply in several segments, or
 * (wrongly) more than one reply at once; leftover bytes after STARTTLS's 220 are an error, not TLS. */
struct conn {
    int fd;
    SSL *ssl;         /* NULL until STARTTLS has completed */
    int64_t deadline; /* CLOCK_MONOTONIC ns: the per-session timeout, whatever step it is in */
    size_t len;
    char buf[2048]; /* SMTP reply lines are at most 512 bytes (RFC 5321 4.5.3.1.5) */
};

static struct {
    const char *host;
    const char *port;
    int clients;
    double duration, warmup, timeout, hold;
    const char *records;
    int idle;
} opt = {.host = "127.0.0.1", .clients = 1, .duration = 10, .warmup = 0, .timeout = 10, .hold = 10};

static struct sockaddr_storage server_addr;
static socklen_t server_addr_len;
static SSL_CTX *ssl_ctx;
static atomic_int stopping;
static int64_t counted_from; /* CLOCK_MONOTONIC ns: sessions that start earlier are warm-up */

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec timespec_from_ns(int64_t ns)
{
    if (ns < 0)
        ns = 0;
    return (struct timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "loadgen: %s\n", what);
    exit(2);
}

/* A blocking socket timed out (SO_RCVTIMEO/SO_SNDTIMEO), or the session ran out of time. */
static int timed_out(const struct conn *c, int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS || err == ETIMEDOUT ||
           now_ns(CLOCK_MONOTONIC) > c->deadline;
}

/* What an SSL call that returned r <= 0 means. With SO_RCVTIMEO the socket BIO reports a timeout as "retry",
 * which OpenSSL surfaces as WANT_READ/WANT_WRITE even on a blocking socket. */
static enum io ssl_failure(const struct conn *c, int r)
{
    int err = errno;
    int e = SSL_get_error(c->ssl, r);
    ERR_clear_error(); /* the queue is per thread; a stale entry would confuse the next SSL_get_error */
    if (e == SSL_ERROR_ZERO_RETURN)
        return IO_EOF;
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return IO_TIMEOUT;
    if (e == SSL_ERROR_SYSCALL && timed_out(c, err))
        return IO_TIMEOUT;
    return IO_ERR;
}

static enum io conn_recv(struct conn *c, char *dst, size_t cap, size_t *got)
{
    if (now_ns(CLOCK_MONOTONIC) > c->deadline)
        return IO_TIMEOUT;
    if (c->ssl) {
        int r = SSL_read(c->ssl, dst, (int)cap);
        if (r <= 0)
            return ssl_failure(c, r);
        *got = (size_t)r;
        return IO_OK;
    }
    for (;;) {
        ssize_t r = recv(c->fd, dst, cap, 0);
        if (r > 0) {
            *got = (size_t)r;
            return IO_OK;
        }
        if (r == 0)
            return IO_EOF;
        if (errno != EINTR)
            return timed_out(c, errno) ? IO_TIMEOUT : IO_ERR;
    }
}

static enum io conn_send(struct conn *c, const char *src, size_t len)
{
    if (c->ssl) {
        /* SSL_MODE_ENABLE_PARTIAL_WRITE is off, so one call writes everything or fails. */
        int r = SSL_write(c->ssl, src, (int)len);
        return r > 0 ? IO_OK : ssl_failure(c, r);
    }
    while (len > 0) {
        ssize_t r = send(c->fd, src, len, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return timed_out(c, errno) ? IO_TIMEOUT : IO_ERR;
        }
        src += r;
        len -= (size_t)r;
    }
    return IO_OK;
}

/* Reads one reply, single- or multi-line ("250-..." lines up to a "250 ..." one), and gives its code. */
static enum io read_reply(struct conn *c, int *code)
{
    for (;;) {
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
            size_t line_len = (size_t)(nl - c->buf) + 1;
            const char *p = c->buf;
            if (line_len < 4 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
                return IO_ERR;
            int value = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
            int last = p[3] != '-';
            memmove(c->buf, nl + 1, c->len - line_len);
            c->len -= line_len;
            if (last) {
                *code = value;
                return IO_OK;
            }
        }
        if (c->len == sizeof c->buf)
            return IO_ERR; /* a line longer than SMTP allows */
        size_t got = 0;
        enum io r = conn_recv(c, c->buf + c->len, sizeof c->buf - c->len, &got);
        if (r != IO_OK)
            return r;
        c->len += got;
    }
}

/* Sends cmd (unless NULL: the banner) and expects a reply with code `expect`; fails as `kind` otherwise. */
static enum kind exchange(struct conn *c, const char *cmd, int expect, enum kind kind)
{
    enum io r = IO_OK;
    int code = 0;
    if (cmd)
        r = conn_send(c, cmd, strlen(cmd));
    if (r == IO_OK)
        r = read_reply(c, &code);
    if (r == IO_TIMEOUT)
        return K_TIMEOUT;
    return r == IO_OK && code == expect ? K_OK : kind;
}

static enum kind conn_open(struct conn *c)
{
    c->fd = socket(server_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return K_CONNECT;
    /* Each command is one small write that waits for its reply: without TCP_NODELAY, Nagle plus delayed ACKs
     * would add tens of milliseconds to some of them and the figures would measure the kernel, not the server. */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* Blocking I/O with a timeout keeps each client thread a plain sequence of steps. On Linux SO_SNDTIMEO
     * also bounds connect(). */
    int64_t timeout_us = (int64_t)(opt.timeout * 1e6);
    struct timeval tv = {.tv_sec = (time_t)(timeout_us / 1000000), .tv_usec = (suseconds_t)(timeout_us % 1000000)};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    while (connect(c->fd, (struct sockaddr *)&server_addr, server_addr_len) != 0) {
        if (errno == EINTR)
            continue;
        return timed_out(c, errno) ? K_TIMEOUT : K_CONNECT;
    }
    return K_OK;
}

static void conn_close(struct conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->fd >= 0)
        close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
}

static enum kind handshake(struct conn *c, struct record *rec)
{
    /* Plaintext already buffered after the 220 would be taken for the server's first TLS bytes by a careless
     * client (the STARTTLS injection of CVE-2011-0411); a server that sends any is broken. */
    if (c->len != 0)
        return K_STARTTLS;
    c->ssl = SSL_new(ssl_ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
        ERR_clear_error();
        return K_HANDSHAKE;
    }
    int r = SSL_connect(c->ssl);
    if (r != 1)
        return ssl_failure(c, r) == IO_TIMEOUT ? K_TIMEOUT : K_HANDSHAKE;
    X509 *leaf = SSL_get0_peer_certificate(c->ssl);
    unsigned int len = 0;
    if (!leaf || !X509_digest(leaf, EVP_sha256(), rec->leaf, &len) || len != sizeof rec->leaf) {
        ERR_clear_error();
        return K_HANDSHAKE;
    }
    rec->has_leaf = 1;
    return K_OK;
}

/* RFC 5321 has the server close the connection after its 221. Waiting for that (rather than closing first)
 * counts the session until the server has let go of it, and leaves TIME_WAIT on the server's side of the
 * connection, so tens of thousands of sessions do not use up the client's ephemeral ports. */
static enum kind await_close(struct conn *c)
{
    SSL_shutdown(c->ssl); /* our close_notify, for a server that waits for one before closing */
    ERR_clear_error();
    char sink[512];
    for (;;) {
        if (now_ns(CLOCK_MONOTONIC) > c->deadline)
            return K_TIMEOUT;
        ssize_t r = recv(c->fd, sink, sizeof sink, 0); /* the server's close_notify, if any, is not read as TLS */
        if (r == 0)
            return K_OK;
        if (r < 0 && errno != EINTR) {
            if (errno == ECONNRESET || errno == EPIPE)
                return K_OK; /* it closed while our close_notify was on its way */
            return timed_out(c, errno) ? K_TIMEOUT : K_QUIT;
        }
    }
}

static enum kind run_session(struct record *rec)
{
    static const char ehlo[] = "EHLO loadgen.bench.test\r\n";
    struct conn c = {.fd = -1, .deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)(opt.timeout * 1e9)};
    enum kind k = conn_open(&c);
    if (k == K_OK)
        k = exchange(&c, NULL, 220, K_BANNER);
    if (k == K_OK)
        k = exchange(&c, ehlo, 250, K_EHLO);
    if (k == K_OK)
        k = exchange(&c, "STARTTLS\r\n", 220, K_STARTTLS);
    if (k == K_OK)
        k = handshake(&c, rec);
    if (k == K_OK)
        k = exchange(&c, ehlo, 250, K_TLS_EHLO);
    if (k == K_OK)
        k = exchange(&c, "QUIT\r\n", 221, K_QUIT);
    if (k == K_OK)
        k = await_close(&c);
    conn_close(&c);
    return k;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    while (!atomic_load_explicit(&stopping, memory_order_relaxed)) {
        struct record rec = {0};
        int64_t start = now_ns(CLOCK_MONOTONIC);
        rec.start_real = now_ns(CLOCK_REALTIME);
        rec.kind = run_session(&rec);
        rec.end_real = now_ns(CLOCK_REALTIME);
        rec.elapsed = now_ns(CLOCK_MONOTONIC) - start;
        if (start < counted_from)
            continue;
        if (w->count == w->capacity) {
            w->capacity = w->capacity ? w->capacity * 2 : 4096;
            w->records = realloc(w->records, w->capacity * sizeof *w->records);
            if (!w->records)
                die("out of memory");
        }
        w->records[w->count++] = rec;
    }
    return NULL;
}

/* Sleeps until `until` (CLOCK_MONOTONIC ns); returns 0 then, 1 on SIGINT/SIGTERM (which the caller has blocked). */
static int wait_until(int64_t until, const sigset_t *signals)
{
    for (;;) {
        int64_t left = until - now_ns(CLOCK_MONOTONIC);
        if (left <= 0)
            return 0;
        struct timespec ts = timespec_from_ns(left);
        if (sigtimedwait(signals, NULL, &ts) >= 0)
            return 1;
        if (errno != EINTR && errno != EAGAIN)
            return 0;
    }
}

/* CPU time (user + system, all threads) this process has used, in ns. */
static int64_t cpu_used_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values, in milliseconds. */
static double percentile_ms(const int64_t *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t rank = (size_t)(p * (double)n); /* ceil(p * n) without libm */
    if ((double)rank < p * (double)n)
        rank++;
    return (double)sorted[rank ? rank - 1 : 0] / 1e6;
}

static void write_records(const struct worker *workers)
{
    FILE *f = fopen(opt.records, "w");
    if (!f)
        die("cannot write the records file");
    for (int i = 0; i < opt.clients; i++)
        for (size_t j = 0; j < workers[i].count; j++) {
            const struct record *r = &workers[i].records[j];
            char hex[65] = "-";
            if (r->has_leaf)
                for (int b = 0; b < 32; b++)
                    snprintf(hex + 2 * b, 3, "%02x", r->leaf[b]);
            fprintf(f, "%lld %lld %s %s\n", (long long)r->start_real, (long long)r->end_real,
                    kind_names[r->kind], hex);
        }
    if (fclose(f) != 0)
        die("cannot write the records file");
}

static int run_load(const sigset_t *signals)
{
    struct worker *workers = calloc((size_t)opt.clients, sizeof *workers);
    if (!workers)
        die("out of memory");
    int64_t start = now_ns(CLOCK_MONOTONIC);
    counted_from = start + (int64_t)(opt.warmup * 1e9);
    for (int i = 0; i < opt.clients; i++)
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            die("cannot start a client thread");
    /* The client's own CPU per session is reported because on a small machine it shares the cores with the
     * server: it bounds the rate any server can reach there. */
    int64_t cpu_start = cpu_used_ns();
    if (wait_until(counted_from, signals) == 0) {
        cpu_start = cpu_used_ns();
        wait_until(counted_from + (int64_t)(opt.duration * 1e9), signals);
    }
    atomic_store(&stopping, 1);
    for (int i = 0; i < opt.clients; i++)
        pthread_join(workers[i].thread, NULL);
    /* The window runs from the end of the warm-up until the last counted session has finished. */
    double seconds = (double)(now_ns(CLOCK_MONOTONIC) - counted_from) / 1e9;
    int64_t cpu = cpu_used_ns() - cpu_start;

    size_t total = 0, by_kind[K_COUNT] = {0};
    for (int i = 0; i < opt.clients; i++)
        total += workers[i].count;
    int64_t *latencies = malloc((total ? total : 1) * sizeof *latencies);
    if (!latencies)
        die("out of memory");
    size_t ok = 0;
    for (int i = 0; i < opt.clients; i++)
        for (size_t j = 0; j < workers[i].count; j++) {
            const struct record *r = &workers[i].records[j];
            by_kind[r->kind]++;
            if (r->kind == K_OK)
                latencies[ok++] = r->elapsed; /* a failed session's time says nothing about the server's speed */
        }
    qsort(latencies, ok, sizeof *latencies, compare_int64);
    double rate = seconds > 0 ? (double)ok / seconds : 0;
    double p50 = percentile_ms(latencies, ok, 0.50), p99 = percentile_ms(latencies, ok, 0.99);
    size_t failed = total - ok;
    double cpu_ms = total ? (double)cpu / 1e6 / (double)total : 0;

    printf("clients=%d seconds=%.2f sessions=%zu ok=%zu sessions_per_s=%.1f p50_ms=%.3f p99_ms=%.3f "
           "client_cpu_ms=%.3f failed=%zu",
           opt.clients, seconds, total, ok, rate, p50, p99, cpu_ms, failed);
    for (int k = 1; k < K_COUNT; k++)
        printf(" fail_%s=%zu", kind_names[k], by_kind[k]);
    printf("\n%d client%s, %.1f s: %.1f sessions/s, p50 %.2f ms, p99 %.2f ms, client CPU %.2f ms/session, "
           "%zu sessions, %zu failed",
           opt.clients, opt.clients == 1 ? "" : "s", seconds, rate, p50, p99, cpu_ms, total, failed);
    const char *sep = " (";
    for (int k = 1; k < K_COUNT; k++)
        if (by_kind[k]) {
            printf("%s%s %zu", sep, kind_names[k], by_kind[k]);
            sep = ", ";
        }
    printf("%s\n", failed ? ")" : "");
    fflush(stdout);

    if (opt.records)
        write_records(workers);
    for (int i = 0; i < opt.clients; i++)
        free(workers[i].records);
    free(workers);
    free(latencies);
    return 0;
}

static int run_idle(const sigset_t *signals)
{
    /* One descriptor per connection: a thousand of them exceed the usual soft limit of 1024. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int *fds = calloc((size_t)opt.idle, sizeof *fds);
    if (!fds)
        die("out of memory");
    int open = 0;
    size_t by_kind[K_COUNT] = {0};
    for (int i = 0; i < opt.idle; i++) {
        struct conn c = {.fd = -1, .deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)(opt.timeout * 1e9)};
        enum kind k = conn_open(&c);
        if (k == K_OK)
            k = exchange(&c, NULL, 220, K_BANNER);
        if (k == K_OK)
            fds[open++] = c.fd;
        else {
            conn_close(&c);
            by_kind[k]++;
        }
    }
    printf("idle %d open", open);
    if (open < opt.idle) {
        const char *sep = " (failed: ";
        for (int k = 1; k < K_COUNT; k++)
            if (by_kind[k]) {
                printf("%s%s %zu", sep, kind_names[k], by_kind[k]);
                sep = ", ";
            }
        printf(")");
    }
    printf("\n");
    fflush(stdout);
    wait_until(now_ns(CLOCK_MONOTONIC) + (int64_t)(opt.hold * 1e9), signals);
    for (int i = 0; i < open; i++)
        close(fds[i]);
    free(fds);
    return open == opt.idle ? 0 : 1;
}

static _Noreturn void usage(void)
{
    fprintf(stderr,
            "usage: loadgen [--host ADDR] --port N [--clients C] [--duration S] [--warmup S] [--timeout S]\n"
            "               [--records FILE]\n"
            "       loadgen [--host ADDR] --port N --idle N [--hold S] [--timeout S]\n");
    exit(64);
}

static double positive(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v >= 0) || v > 1e6)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},    {"port", required_argument, NULL, 'p'},
        {"clients", required_argument, NULL, 'c'}, {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},  {"timeout", required_argument, NULL, 't'},
        {"records", required_argument, NULL, 'r'}, {"idle", required_argument, NULL, 'i'},
        {"hold", required_argument, NULL, 'H'},    {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = optarg; break;
        case 'c': opt.clients = (int)positive(optarg); break;
        case 'd': opt.duration = positive(optarg); break;
        case 'w': opt.warmup = positive(optarg); break;
        case 't': opt.timeout = positive(optarg); break;
        case 'r': opt.records = optarg; break;
        case 'i': opt.idle = (int)positive(optarg); break;
        case 'H': opt.hold = positive(optarg); break;
        default: usage();
        }
    }
    if (optind != argc || !opt.port || opt.clients < 1 || opt.timeout <= 0)
        usage();

    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai;
    if (getaddrinfo(opt.host, opt.port, &hints, &ai) != 0)
        die("cannot resolve --host/--port");
    memcpy(&server_addr, ai->ai_addr, ai->ai_addrlen);
    server_addr_len = ai->ai_addrlen;
    freeaddrinfo(ai);

    /* A server that closes early must fail the session, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    /* Block SIGINT/SIGTERM in every thread: the main thread takes them with sigtimedwait, so a client thread's
     * recv() is never cut short by EINTR (which SA_RESTART does not undo for sockets with timeouts). */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!ssl_ctx)
        die("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_3_VERSION);
    /* The served certificate is self-signed; what matters is which one it is, and that is in the records. */
    SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
    /* No resumption: every session pays for a full handshake, as a first contact from a new MTA does. */
    SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_TICKET);

    int status = opt.idle > 0 ? run_idle(&signals) : run_load(&signals);
    SSL_CTX_free(ssl_ctx);
    return status;
}
