//! Integration tests of the file transports against real servers (VAC-4 upload, PRO-2 import):
//! a temp directory, libunftp (in-process FTP server) and OpenSSH's sshd (SFTP).

mod config;
mod directory;
mod ftp;
mod sftp;
mod support;
