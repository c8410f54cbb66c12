// MexDaemon: being written.
