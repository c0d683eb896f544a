# modsign: build kernel modules, sign them with your own key, enroll the key
# through MOK, and prove in a Secure Boot VM that the kernel loads them.
# `make help` lists the targets.

# modsign-kit's markers (scripts/modsign-kit): a clone's messages name make
# targets even in a shell that has them set.
unexport MODSIGN_KIT_CMD MODSIGN_KIT_KEYDIR

# Kernel build folder. Empty: /lib/modules/$(uname -r)/build, else the newest
# /usr/src/linux-headers-* (scripts/kdir.sh says which and why).
KDIR ?=
# Where the key pair lives, what a new key is and how long it lives:
# KEY_TYPE rsa (empty: RSA, or for make rotate and rotate-keys the type of
# the key replaced) or ecdsa; KEY_BITS for RSA, KEY_CURVE for ECDSA (empty:
# P-256, or the replaced key's curve).
KEYDIR ?= $(CURDIR)/keys
KEY_TYPE ?=
KEY_BITS ?= 2048
KEY_CURVE ?=
KEY_DAYS ?= 36500
# Who signs in `make sign`: sign-file (the kernel's own, the reference) or
# modsign (sign/modsign; the same bytes).
SIGNER ?= sign-file
# sign-kernel: the image to sign, where to write it, and whether to drop
# its existing signatures first.
KERNEL ?=
OUT ?= $(CURDIR)/build/$(notdir $(KERNEL)).signed
REPLACE_SIGNATURES ?=
# Where `make install` puts modules below /lib/modules/<release>/.
INSTALL_MOD_DIR ?= updates
INSTALL_MOD_PATH ?= $(DESTDIR)
# Where `make install-tool` puts the kit (below DESTDIR, if given), so that
# DKMS does not need the clone; `make dkms-key` points DKMS there.
PREFIX ?= /usr/local

MODULES_DIR := $(CURDIR)/modules
KEY := $(KEYDIR)/signing_key.pem
CERT := $(KEYDIR)/signing_key.x509
SCRIPTS := $(CURDIR)/scripts

# What the scripts read from the environment; given per recipe, not
# exported, so that nothing leaks into the test suite's own make runs.
KEYENV = KEYDIR="$(KEYDIR)" KEY_TYPE="$(KEY_TYPE)" KEY_BITS="$(KEY_BITS)" \
	KEY_CURVE="$(KEY_CURVE)" KEY_DAYS="$(KEY_DAYS)"

# The resolved kernel build folder, for use inside recipes. scripts/kdir.sh
# runs once per make run, when the first recipe that needs it is about to
# start (so `make help` never runs it); the recipes after it reuse the
# answer, and its notice is printed once. Empty when it failed (it said why).
KDIR_FOUND = $(eval KDIR_FOUND := $$(shell $(SCRIPTS)/kdir.sh "$(KDIR)"))$(KDIR_FOUND)
resolve_kdir = kdir="$(KDIR_FOUND)" && [ -n "$$kdir" ]

.PHONY: all modules modsign deps keys rotate-keys kernel-keys rotate-kernel-keys \
	sign sign-kernel verify install enroll enroll-kernel check test-deps \
	vm-check bench clean help install-tool uninstall-tool dkms-key dkms-key-remove \
	dkms-install dkms-remove deb try

all: modules modsign

# modsign, the C tool (sign/): inspects, signs, verifies, strips signatures.
# Two makes at once in one checkout: the builds take turns (flock), so that
# neither runs a half-linked sign/modsign or races the other in Kbuild; and
# umask 022, so that a umask of 000 does not give world-writable files.
modsign: deps
	@umask 022 && flock $(CURDIR)/sign $(MAKE) -s -C sign

deps:
	@KDIR="$(KDIR)" $(SCRIPTS)/setup.sh build

modules: deps
	@$(resolve_kdir) && umask 022 && \
	flock $(MODULES_DIR) $(MAKE) -C "$$kdir" M=$(MODULES_DIR) modules

keys:
	@$(KEYENV) $(SCRIPTS)/make-keys.sh create

rotate-keys:
	@$(KEYENV) $(SCRIPTS)/make-keys.sh rotate

# rotate: the guided key rotation (docs/key-rotation.md), one step a run;
# rotate-status says where it stands. MOK_PASSWORD_FILE=, AGAIN=1.
.PHONY: rotate rotate-status
rotate: modsign
	@$(KEYENV) MOK_PASSWORD_FILE="$(MOK_PASSWORD_FILE)" AGAIN="$(AGAIN)" $(SCRIPTS)/rotate-key.sh next

rotate-status:
	@KEYDIR="$(KEYDIR)" $(SCRIPTS)/rotate-key.sh status

# adopt-key: an existing, perhaps enrolled, pair becomes the kit's key:
# FROM=DIR (DKMS's, Ubuntu's or a kit's keys/) or FROM=KEYFILE CERT=CERTFILE
# (CERT only when given on the command line: it is also this file's own).
.PHONY: adopt-key
adopt-key:
	@KEYDIR="$(KEYDIR)" $(SCRIPTS)/adopt-key.sh "$(FROM)" $(if $(filter command line,$(origin CERT)),"$(CERT)")

kernel-keys:
	@$(KEYENV) $(SCRIPTS)/make-keys.sh create kernel

rotate-kernel-keys:
	@$(KEYENV) $(SCRIPTS)/make-keys.sh rotate kernel

sign-kernel:
	@REPLACE_SIGNATURES="$(REPLACE_SIGNATURES)" $(SCRIPTS)/sign-kernel.sh "$(KERNEL)" "$(OUT)" $(KEYDIR)/kernel_key.pem $(KEYDIR)/kernel_key.crt

# KEY=pkcs11:... (a token, docs/build-farm.md): no key file is made here,
# and modsign signs (Debian 12's sign-file cannot use a token)
TOKEN_KEY = $(filter pkcs11:%,$(KEY))
sign: modules $(if $(filter modsign,$(SIGNER))$(TOKEN_KEY),modsign)
	@$(if $(TOKEN_KEY),,$(KEYENV) $(SCRIPTS)/make-keys.sh ensure)
	@$(resolve_kdir) && umask 022 && SIGNER="$(SIGNER)" \
	$(SCRIPTS)/sign-modules.sh "$$kdir" '$(KEY)' '$(CERT)' $(MODULES_DIR)/*.ko

verify:
	@$(SCRIPTS)/verify-modules.sh $(CERT) $(MODULES_DIR)/*.ko

install: verify
	@KDIR="$(KDIR)" $(SCRIPTS)/install-modules.sh "$(INSTALL_MOD_PATH)" "$(INSTALL_MOD_DIR)" $(MODULES_DIR)/*.ko

enroll:
	@$(CURDIR)/mok-enroll.sh --cert $(CERT)

enroll-kernel:
	@$(CURDIR)/mok-enroll.sh --cert $(KEYDIR)/kernel_key.der

test-deps:
	@KDIR="$(KDIR)" $(SCRIPTS)/setup.sh test

check: test-deps
	@SKIP='$(SKIP)' $(CURDIR)/tests/run.sh

vm-check: test-deps
	@$(CURDIR)/tests/run.sh vm

# Not part of check: times modsign against a sign-file loop over Debian's
# 4023 modules and writes docs/benchmarks.md.
bench: modsign test-deps
	@$(CURDIR)/bench/run.sh

clean:
	@$(MAKE) -s -C sign clean
	@kdir=$$($(SCRIPTS)/kdir.sh "$(KDIR)" 2>/dev/null) && \
	$(MAKE) -C "$$kdir" M=$(MODULES_DIR) clean || \
	rm -f $(MODULES_DIR)/*.ko $(MODULES_DIR)/*.o $(MODULES_DIR)/*.mod \
		$(MODULES_DIR)/*.mod.c $(MODULES_DIR)/.*.cmd \
		$(MODULES_DIR)/Module.symvers $(MODULES_DIR)/modules.order

# The kit on the system: what DKMS runs on a kernel upgrade (docs/dkms.md).
# modsign-kit (the make targets as one command, no clone needed) runs the
# scripts below lib/modsign/ as a clone's make does: laid out as in the
# clone (scripts/, keys/openssl.cnf, and links for mok-enroll.sh,
# sign/modsign and scripts/modsig-lib.sh), so that they run unchanged.
# modsign-try runs from lib/modsign/try/ with the VM parts in lib/modsign/vm/
# (as in the clone); setup.sh readies the trixie build root of --dkms.
KIT_SCRIPTS = make-keys.sh sign-modules.sh kdir.sh dkms-key.sh rotate-key.sh adopt-key.sh setup.sh
TRY_FILES = modsign-try guest-try.sh dkms-box.sh
VM_FILES = fetch-debian.sh trixie-root.sh in-root.sh cache.sh make-initramfs.sh run-qemu.exp sandbox.sh
KIT_LINKS = $(PREFIX)/lib/modsign/mok-enroll.sh $(PREFIX)/lib/modsign/sign/modsign \
	$(PREFIX)/lib/modsign/scripts/modsig-lib.sh $(PREFIX)/bin/modsign-try
TOOL_FILES = $(PREFIX)/bin/modsign $(PREFIX)/bin/mok-enroll.sh $(PREFIX)/bin/modsign-kit \
	$(PREFIX)/lib/modsign/dkms-sign-file $(PREFIX)/lib/modsign/modsig-lib.sh \
	$(addprefix $(PREFIX)/lib/modsign/scripts/,$(KIT_SCRIPTS)) \
	$(addprefix $(PREFIX)/lib/modsign/try/,$(TRY_FILES)) \
	$(addprefix $(PREFIX)/lib/modsign/vm/,$(VM_FILES)) \
	$(PREFIX)/lib/modsign/keys/openssl.cnf $(KIT_LINKS) \
	$(PREFIX)/share/man/man1/modsign.1 $(PREFIX)/share/man/man1/modsign-kit.1 \
	$(PREFIX)/share/man/man1/mok-enroll.sh.1 $(PREFIX)/share/man/man1/modsign-try.1 \
	$(PREFIX)/share/bash-completion/completions/modsign \
	$(PREFIX)/share/bash-completion/completions/modsign-kit

# PREFIX goes below DESTDIR, glued to it: it must be absolute with no ..
# component, or the files land beside DESTDIR (DESTDIR=/d PREFIX=usr is
# /dusr) or above it. Checked before anything is built, written or
# removed. DESTDIR is taken as given: it is where the files are asked to go.
check_prefix = @p='$(subst ','\'',$(PREFIX))'; \
	case "$$p" in /*) ;; *) echo "modsign: ERROR: PREFIX=$$p is not an absolute path: it goes below DESTDIR as it is (DESTDIR$$p); give one such as PREFIX=/usr/local; nothing was changed" >&2; exit 2 ;; esac; \
	case "$$p/" in */../*) echo "modsign: ERROR: PREFIX=$$p has a .. component, which leads out of DESTDIR: give the path without it; nothing was changed" >&2; exit 2 ;; esac

install-tool:
	$(check_prefix)
	@$(MAKE) -s -C sign
	@echo "installing modsign, mok-enroll.sh, modsign-kit with its scripts, modsign-try with its VM parts, dkms-sign-file with modsig-lib.sh, the man pages and bash completions below $(DESTDIR)$(PREFIX)"
	@install -D -m 0755 "$(CURDIR)/sign/modsign" "$(DESTDIR)$(PREFIX)/bin/modsign"
	@install -D -m 0755 "$(CURDIR)/mok-enroll.sh" "$(DESTDIR)$(PREFIX)/bin/mok-enroll.sh"
	@install -D -m 0755 "$(CURDIR)/scripts/modsign-kit" "$(DESTDIR)$(PREFIX)/bin/modsign-kit"
	@install -D -m 0755 "$(CURDIR)/scripts/dkms-sign-file" "$(DESTDIR)$(PREFIX)/lib/modsign/dkms-sign-file"
	@install -D -m 0644 "$(CURDIR)/scripts/modsig-lib.sh" "$(DESTDIR)$(PREFIX)/lib/modsign/modsig-lib.sh"
	@install -d -m 0755 "$(DESTDIR)$(PREFIX)/lib/modsign/scripts" "$(DESTDIR)$(PREFIX)/lib/modsign/sign" \
		"$(DESTDIR)$(PREFIX)/lib/modsign/try" "$(DESTDIR)$(PREFIX)/lib/modsign/vm"
	@for f in $(KIT_SCRIPTS); do install -m 0755 "$(CURDIR)/scripts/$$f" "$(DESTDIR)$(PREFIX)/lib/modsign/scripts/$$f" || exit 1; done
	@# programs (#!) 0755, the files only sourced 0644
	@for f in $(addprefix try/,$(TRY_FILES)) $(addprefix vm/,$(VM_FILES)); do \
		m=0644; [ "$$(head -c 2 "$(CURDIR)/$$f")" != '#!' ] || m=0755; \
		install -m $$m "$(CURDIR)/$$f" "$(DESTDIR)$(PREFIX)/lib/modsign/$$f" || exit 1; done
	@ln -sfn ../lib/modsign/try/modsign-try "$(DESTDIR)$(PREFIX)/bin/modsign-try"
	@install -D -m 0644 "$(CURDIR)/keys/openssl.cnf" "$(DESTDIR)$(PREFIX)/lib/modsign/keys/openssl.cnf"
	@ln -sfn ../modsig-lib.sh "$(DESTDIR)$(PREFIX)/lib/modsign/scripts/modsig-lib.sh"
	@ln -sfn ../../bin/mok-enroll.sh "$(DESTDIR)$(PREFIX)/lib/modsign/mok-enroll.sh"
	@ln -sfn ../../../bin/modsign "$(DESTDIR)$(PREFIX)/lib/modsign/sign/modsign"
	@install -D -m 0644 "$(CURDIR)/docs/modsign.1" "$(DESTDIR)$(PREFIX)/share/man/man1/modsign.1"
	@install -D -m 0644 "$(CURDIR)/docs/modsign-kit.1" "$(DESTDIR)$(PREFIX)/share/man/man1/modsign-kit.1"
	@install -D -m 0644 "$(CURDIR)/docs/mok-enroll.sh.1" "$(DESTDIR)$(PREFIX)/share/man/man1/mok-enroll.sh.1"
	@install -D -m 0644 "$(CURDIR)/docs/modsign-try.1" "$(DESTDIR)$(PREFIX)/share/man/man1/modsign-try.1"
	@install -D -m 0644 "$(CURDIR)/scripts/modsign.bash-completion" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/modsign"
	@install -D -m 0644 "$(CURDIR)/scripts/modsign-kit.bash-completion" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/modsign-kit"

uninstall-tool:
	$(check_prefix)
	@echo "removing the kit's files below $(DESTDIR)$(PREFIX)"
	@rm -f $(addprefix "$(DESTDIR),$(addsuffix ",$(TOOL_FILES)))
	@for d in scripts sign keys try vm ""; do rmdir "$(DESTDIR)$(PREFIX)/lib/modsign/$$d" 2>/dev/null || true; done

dkms-key:
	@KEYDIR="$(KEYDIR)" PREFIX="$(PREFIX)" $(SCRIPTS)/dkms-key.sh install

dkms-key-remove:
	@PREFIX="$(PREFIX)" $(SCRIPTS)/dkms-key.sh remove

# The example modules as the DKMS package modules/dkms.conf describes,
# for every kernel with headers or the releases in KERNELVER.
KERNELVER ?=
dkms-install:
	@KEYDIR="$(KEYDIR)" PREFIX="$(PREFIX)" KERNELVER="$(KERNELVER)" $(SCRIPTS)/dkms-install.sh install

dkms-remove:
	@$(SCRIPTS)/dkms-install.sh remove

# deb: the kit's tools as a Debian package (docs/debian-package.md):
# dpkg-buildpackage in a copy of what the package is built from, under
# build/deb/ (dpkg-buildpackage writes beside the source and into debian/,
# so the tree stays as it was); the .deb files land in build/. Never keys/.
DEB_SOURCES = COPYING Makefile README.md debian docs keys/openssl.cnf mok-enroll.sh scripts sign try vm
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || { \
		echo "modsign: ERROR: make deb: dpkg-buildpackage or dh is missing: install build-essential, dpkg-dev and debhelper (scripts/setup.sh test does)" >&2; exit 1; }
	@rm -rf "$(CURDIR)/build/deb" && mkdir -p "$(CURDIR)/build/deb/modsign"
	@tar -C "$(CURDIR)" --exclude=sign/build --exclude=sign/modsign -cf - $(DEB_SOURCES) | \
		tar -C "$(CURDIR)/build/deb/modsign" -xf -
	@echo "make deb: dpkg-buildpackage -us -uc -b in build/deb/modsign (log: build/deb/build.log)"
	@cd "$(CURDIR)/build/deb/modsign" && umask 022 && \
		dpkg-buildpackage -us -uc -b >"$(CURDIR)/build/deb/build.log" 2>&1 || { \
		tail -n 30 "$(CURDIR)/build/deb/build.log" >&2; \
		echo "modsign: ERROR: make deb: dpkg-buildpackage failed: its log is build/deb/build.log" >&2; exit 1; }
	@rm -f "$(CURDIR)"/build/modsign_*.deb "$(CURDIR)"/build/modsign-dbgsym_*.deb "$(CURDIR)"/build/modsign-try_*.deb
	@cp "$(CURDIR)"/build/deb/*.deb "$(CURDIR)/build/"
	@cd "$(CURDIR)/build" && for f in deb/*.deb; do echo "make deb: build/$${f#deb/}"; done

# try: will MODULE="a.ko b.ko" load under Secure Boot? Answered by booting
# Debian's signed kernel in QEMU with CERT (default the kit's,
# $(KEYDIR)/signing_key.x509) enrolled (try/modsign-try, docs/try.md).
# KERNEL=6.1|6.12|t6.12|t7|all|<release> (here a series, not sign-kernel's
# image); KERNELS=all reads as well.
MODULE ?=
try:
	@[ -n "$(MODULE)$(DKMS)" ] || { echo "modsign: ERROR: make try: no module: give MODULE=path/to/module.ko or DKMS=foo-dkms.deb (docs/try.md)" >&2; exit 2; }
	@$(CURDIR)/try/modsign-try $(if $(KERNEL)$(KERNELS),--kernel "$(or $(KERNEL),$(KERNELS))") --cert "$(CERT)" $(foreach d,$(DKMS),--dkms "$(d)") $(MODULE)

help:
	@echo 'modsign: build, sign and enroll kernel modules for UEFI Secure Boot'
	@echo
	@echo 'Targets:'
	@echo '  make              build the modules in modules/ against KDIR, and sign/modsign'
	@echo '  make modules      build the modules in modules/ against KDIR (no signing)'
	@echo '  make modsign      build sign/modsign, the C tool (make sign does not, unless SIGNER=modsign)'
	@echo '  make sign         build, create keys/ if missing, sign every module'
	@echo '  make verify       check every module is signed by keys/signing_key.x509'
	@echo '  make install      verify, then install into /lib/modules/<release>/$(INSTALL_MOD_DIR), compressed as that kernel wants, and run depmod'
	@echo '  make enroll       register keys/signing_key.x509 with MOK (mok-enroll.sh), then reboot'
	@echo '  make keys         create the signing key pair (refuses to overwrite one): RSA-2048, or KEY_TYPE=ecdsa'
	@echo '                    (P-256, or KEY_CURVE=P-384) for kernels with CONFIG_CRYPTO_ECDSA (not the 6.1 of Debian 12)'
	@echo '  make rotate       (root) replace the key step by step: new key, enroll beside the old, re-sign, delete the old'
	@echo '                    (docs/key-rotation.md), one step a run; run it again after each reboot'
	@echo '  make rotate-status  where a key rotation stands'
	@echo '  make rotate-keys  move the pair to keys/retired/<date>-module/ and create a new one (nothing else)'
	@echo '  make adopt-key FROM=DIR  make an existing (enrolled) DKMS or Ubuntu key the kit key, or FROM=KEYFILE CERT=CERTFILE'
	@echo '  make kernel-keys  create the second pair, for boot images (keys/kernel_key.*)'
	@echo '  make rotate-kernel-keys  retire the kernel pair and create a new one'
	@echo '  make sign-kernel  sign KERNEL=path/to/vmlinuz with the kernel key into OUT=build/<name>.signed'
	@echo '  make enroll-kernel  register keys/kernel_key.der with MOK (same reboot as make enroll)'
	@echo '  make check        run the whole test suite: Debian 12 and 13, Secure Boot VMs on four kernels'
	@echo '                    (SKIP="vm ..." leaves suites out: tests/run.sh names them)'
	@echo '  make vm-check     run only the Secure Boot VM suite'
	@echo '  make bench        time modsign against sign-file on 4023 Debian modules (docs/benchmarks.md)'
	@echo '  make deps         install the packages the build needs (as root, or through sudo), or name them'
	@echo '  make test-deps    the same for the packages the test suite needs'
	@echo '  make clean        remove build output (never keys)'
	@echo '  make install-tool install modsign, mok-enroll.sh, the DKMS sign program, man page, completion into PREFIX'
	@echo '  make uninstall-tool  remove exactly what install-tool installed'
	@echo '                    (modsign-kit VERB, installed with it, is make VERB without a clone: man modsign-kit)'
	@echo '  make dkms-key     (root) DKMS signs with the kit key: copy to /var/lib/modsign, drop-in in /etc/dkms/framework.conf.d'
	@echo '  make dkms-key-remove  (root) remove that drop-in; DKMS signs with its own key again'
	@echo '  make dkms-install (root) modules/ as a DKMS package, built, signed with the kit key and installed'
	@echo '                    for every kernel with headers (or KERNELVER="r1 r2"), rebuilt on kernel upgrades'
	@echo '  make dkms-remove  (root) dkms remove --all of that package, and its /usr/src folder'
	@echo '  make deb          the kit'"'"'s tools as a Debian package, build/modsign_<version>_<arch>.deb (docs/debian-package.md)'
	@echo '  make try MODULE="a.ko ..."  boot Debian'"'"'s signed kernel under Secure Boot in QEMU, CERT enrolled, and tell'
	@echo '                    whether each module loads (KERNEL=6.1|6.12|t6.12|t7|all; DKMS="foo-dkms.deb dir"'
	@echo '                    builds DKMS packages in a sandbox, signs them with KEYDIR'"'"'s key and tries them too; docs/try.md)'
	@echo '  make help         this list'
	@echo
	@echo 'Variables: KDIR=<kernel build folder> KEY_TYPE=rsa|ecdsa KEY_BITS=2048|3072|4096 KEY_CURVE=P-256|P-384'
	@echo '           KEY_DAYS=<days> SIGNER=sign-file|modsign'
	@echo '           DESTDIR / INSTALL_MOD_PATH, INSTALL_MOD_DIR (install), VM_KERNELS="6.1 6.12", ACCEL=kvm (vm-check)'
	@echo '           KERNEL=, OUT=, REPLACE_SIGNATURES=1 (sign-kernel)'
	@echo '           PREFIX=/usr/local, DESTDIR (install-tool, uninstall-tool; dkms-key uses PREFIX)'
	@echo '           KERNELVER="<release> ..." (dkms-install; default: every /lib/modules/*/build)'
