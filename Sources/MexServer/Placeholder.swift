// MexServer: being written.
