//! A real SFTP server for tests: OpenSSH's `sshd` as a child process on a loopback port, with
//! generated host and client keys and the internal SFTP subsystem.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `CI` set (and not `false`/`0`): suites that need installed servers must run, not skip.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub const SSHD: &str = "/usr/sbin/sshd";

/// A running `sshd`; killed when dropped.
pub struct SshServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub user: String,
    pub host_fingerprint: String,
    pub other_fingerprint: String,
    child: Child,
}

impl Drop for SshServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            // sshd says why it refused (e.g. "account is locked" for a user without password).
            let log = std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default();
            eprintln!("--- sshd log ---\n{log}--- end of sshd log ---");
        }
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "immohub-test", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen not found (Debian package openssh-client)");
    assert!(status.success());
}

fn fingerprint(pub_key: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(pub_key)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().to_owned()
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl SshServer {
    /// Starts `sshd -D` on a free loopback port with a generated host key, a generated client
    /// key in a temp `AuthorizedKeysFile`, and the internal SFTP server. Returns `None` (after
    /// printing why) when sshd is missing and we are not under CI; under CI it fails.
    pub fn start() -> Option<Self> {
        if !Path::new(SSHD).exists() {
            assert!(
                !under_ci(),
                "{SSHD} fehlt: .ci/run muss das Debian-Paket openssh-server installieren"
            );
            eprintln!("SKIP: {SSHD} not installed (apt-get install openssh-server); CI unset");
            return None;
        }
        let user = current_user();
        if user == "root" {
            // Debian's sshd wants its privilege separation directory; the init script that
            // normally creates it does not run in containers.
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("client_key"));
        keygen(&d.join("other_key"));
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        let data = d.join("data");
        std::fs::create_dir(&data).unwrap();
        // The port is chosen by binding port 0 and releasing it; should another process take
        // it before sshd does, sshd exits and the next attempt uses another port.
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let port = closed_port();
            let config = format!(
                "Port {port}\n\
                 ListenAddress 127.0.0.1\n\
                 HostKey {d}/host_key\n\
                 PidFile none\n\
                 AuthorizedKeysFile {d}/authorized_keys\n\
                 StrictModes no\n\
                 PermitRootLogin yes\n\
                 PasswordAuthentication yes\n\
                 KbdInteractiveAuthentication no\n\
                 UsePAM no\n\
                 AllowUsers {user}\n\
                 Subsystem sftp internal-sftp\n\
                 LogLevel INFO\n",
                d = d.display()
            );
            std::fs::write(d.join("sshd_config"), config).unwrap();
            let mut child = Command::new(SSHD)
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(d.join("sshd_config"))
                .stdin(Stdio::null())
                // The readiness probe below makes sshd log a closed connection: keep that out
                // of the test output, in the temp dir next to the config.
                .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
                .spawn()
                .unwrap();
            for _ in 0..150 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Self {
                        port,
                        host_fingerprint: fingerprint(&d.join("host_key.pub")),
                        other_fingerprint: fingerprint(&d.join("other_key.pub")),
                        data,
                        user,
                        dir,
                        child,
                    });
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default();
        }
        panic!("sshd did not start; its log:\n{last_log}");
    }

    /// The generated private key the server accepts (`AuthorizedKeysFile`).
    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client_key")
    }
}
