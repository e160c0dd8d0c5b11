/// When a directory of hooks runs around a renewal: `STATE/hooks/<stage>/`.
///
/// The split is certbot's: `pre` before anything is asked of the CA (stop what holds port 80), `deploy` once per
/// certificate put in service (reload the daemon that serves it), `post` once at the end (start what `pre` stopped).
public enum HookStage: String, CaseIterable, Sendable {
    case pre
    case deploy
    case post
}
