# make install / make uninstall: scripts/install does the work (see its header).
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: install uninstall
install:
	scripts/install --prefix "$(PREFIX)" --destdir "$(DESTDIR)"
uninstall:
	scripts/install --uninstall --prefix "$(PREFIX)" --destdir "$(DESTDIR)"
