//! Integration tests of the file transports against real servers (VAC-4 upload, PRO-2 import):
//! a temp directory, libunftp (in-process FTP server) and OpenSSH's sshd (SFTP).

// Test helpers outside `#[test]` functions may panic too (clippy.toml only covers the tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod config;
mod directory;
mod ftp;
mod sftp;
mod support;
