// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysparse.c - parsers for the machine state and module metadata that
 * `modsign check` looks at. No I/O, no allocation, no libcrypto; every read
 * is bounds-checked, offsets are compared before they are subtracted.
 */
#include "sysparse.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

const uint8_t efi_cert_x509_guid[EFI_GUID_LEN] = {
	0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
	0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72,
};

int efivar_u8(const uint8_t *buf, size_t len)
{
	if (!buf || len != 5)
		return -1;
	return buf[4];
}

/* buf[0..len) without trailing white space */
static size_t rtrim(const char *buf, size_t len)
{
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' ||
		       buf[len - 1] == '\t' || buf[len - 1] == '\r' ||
		       buf[len - 1] == '\0'))
		len--;
	return len;
}

static int word_is(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(p, word, n) == 0;
}

enum lockdown lockdown_parse(const char *buf, size_t len)
{
	size_t i, open = 0, close = 0, nopen = 0, nclose = 0;

	if (!buf)
		return LOCKDOWN_UNKNOWN;
	for (i = 0; i < len; i++) {
		if (buf[i] == '[') {
			open = i;
			nopen++;
		} else if (buf[i] == ']') {
			close = i;
			nclose++;
		}
	}
	if (nopen != 1 || nclose != 1 || close < open)
		return LOCKDOWN_UNKNOWN;
	if (word_is(buf + open + 1, close - open - 1, "none"))
		return LOCKDOWN_NONE;
	if (word_is(buf + open + 1, close - open - 1, "integrity"))
		return LOCKDOWN_INTEGRITY;
	if (word_is(buf + open + 1, close - open - 1, "confidentiality"))
		return LOCKDOWN_CONFIDENTIALITY;
	return LOCKDOWN_UNKNOWN;
}

const char *lockdown_name(enum lockdown l)
{
	switch (l) {
	case LOCKDOWN_NONE:
		return "none";
	case LOCKDOWN_INTEGRITY:
		return "integrity";
	case LOCKDOWN_CONFIDENTIALITY:
		return "confidentiality";
	default:
		return "unknown";
	}
}

int bool_param_parse(const char *buf, size_t len)
{
	if (!buf)
		return TRI_UNKNOWN;
	len = rtrim(buf, len);
	if (len != 1)
		return TRI_UNKNOWN;
	if (buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1')
		return TRI_YES;
	if (buf[0] == 'N' || buf[0] == 'n' || buf[0] == '0')
		return TRI_NO;
	return TRI_UNKNOWN;
}

/* ---- kernel config ---- */

struct kopt {
	const char *name;
	size_t off; /* of the int in struct kconfig */
};

static const struct kopt kopts[] = {
	{ "MODULE_SIG", offsetof(struct kconfig, module_sig) },
	{ "MODULE_SIG_FORCE", offsetof(struct kconfig, module_sig_force) },
	{ "LOCK_DOWN_IN_EFI_SECURE_BOOT",
	  offsetof(struct kconfig, lock_down_efi) },
	{ "INTEGRITY_PLATFORM_KEYRING",
	  offsetof(struct kconfig, platform_keyring) },
	{ "INTEGRITY_MACHINE_KEYRING",
	  offsetof(struct kconfig, machine_keyring) },
	{ "MODULE_DECOMPRESS", offsetof(struct kconfig, module_decompress) },
	{ "CRYPTO_ECDSA", offsetof(struct kconfig, crypto_ecdsa) },
};

/* CONFIG_MODULE_COMPRESS_<X>=y and the name the kernel gives it in
 * /sys/module/compression */
static const char *const kcomp[][2] = {
	{ "MODULE_COMPRESS_XZ", "xz" },
	{ "MODULE_COMPRESS_ZSTD", "zstd" },
	{ "MODULE_COMPRESS_GZIP", "gzip" },
};

#define N_KOPTS ARRAY_SIZE(kopts)

static int *kopt_field(struct kconfig *k, size_t i)
{
	return (int *)((char *)k + kopts[i].off);
}

/* One line of a config: "CONFIG_X=v" or "# CONFIG_X is not set". */
static void kconfig_line(const char *p, size_t n, struct kconfig *k)
{
	static const char not_set[] = " is not set";
	const size_t nsl = sizeof(not_set) - 1;
	size_t i, namelen;
	int unset = 0;
	const char *val = NULL;
	size_t vlen = 0;

	if (n >= 2 && p[0] == '#' && p[1] == ' ') {
		p += 2;
		n -= 2;
		unset = 1;
	}
	if (n < 7 || memcmp(p, "CONFIG_", 7) != 0)
		return;
	k->valid = 1;
	p += 7;
	n -= 7;
	for (namelen = 0; namelen < n; namelen++) {
		char c = p[namelen];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			break;
	}
	if (unset) {
		if (n - namelen != nsl || memcmp(p + namelen, not_set, nsl))
			return;
	} else {
		if (namelen == n || p[namelen] != '=')
			return;
		val = p + namelen + 1;
		vlen = n - namelen - 1;
	}
	if (word_is(p, namelen, "MODULE_SIG_HASH")) {
		if (unset)
			return;
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val++;
			vlen -= 2;
		}
		if (vlen >= sizeof(k->sig_hash))
			vlen = sizeof(k->sig_hash) - 1;
		memcpy(k->sig_hash, val, vlen);
		k->sig_hash[vlen] = '\0';
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kcomp); i++)
		if (word_is(p, namelen, kcomp[i][0]) && !unset && vlen == 1 &&
		    val[0] == 'y')
			snprintf(k->module_compress, sizeof(k->module_compress),
				 "%s", kcomp[i][1]);
	for (i = 0; i < N_KOPTS; i++) {
		if (!word_is(p, namelen, kopts[i].name))
			continue;
		if (unset)
			*kopt_field(k, i) = TRI_NO;
		else
			*kopt_field(k, i) = (vlen == 1 &&
					     (val[0] == 'y' || val[0] == 'm')) ?
						    TRI_YES :
						    TRI_NO;
	}
}

void kconfig_parse(const char *buf, size_t len, struct kconfig *k)
{
	size_t i, start = 0;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < N_KOPTS; i++)
		*kopt_field(k, i) = TRI_UNKNOWN;
	if (!buf)
		return;
	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		kconfig_line(buf + start, rtrim(buf + start, i - start), k);
		start = i + 1;
	}
	if (!k->valid) {
		k->sig_hash[0] = '\0';
		return;
	}
	/* in a config, an option that is not mentioned is off */
	for (i = 0; i < N_KOPTS; i++)
		if (*kopt_field(k, i) == TRI_UNKNOWN)
			*kopt_field(k, i) = TRI_NO;
}

/* ---- how compressed modules are loaded ---- */

const char *module_compression_parse(const char *buf, size_t len)
{
	size_t i;

	if (len && buf[len - 1] == '\n')
		len--;
	for (i = 0; i < ARRAY_SIZE(kcomp); i++)
		if (word_is(buf, len, kcomp[i][1]))
			return kcomp[i][1];
	return NULL;
}

/* line[0..n) starts with the field name f ("Package:"): the value after
 * it, spaces skipped, in *v[0..*vn) */
static int dpkg_field(const char *line, size_t n, const char *f, const char **v,
		      size_t *vn)
{
	size_t fl = strlen(f);

	if (n < fl || memcmp(line, f, fl))
		return 0;
	line += fl;
	n -= fl;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	*v = line;
	*vn = n;
	return 1;
}

int dpkg_installed_version(const char *buf, size_t len, const char *pkg,
			   char *out, size_t size)
{
	const char *ver = NULL, *v;
	size_t i, start = 0, vlen = 0, n, pl;
	int is_pkg = 0, installed = 0;

	if (!size)
		return 0;
	out[0] = '\0';
	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		n = rtrim(buf + start, i - start);
		if (n == 0) {
			/* the end of a stanza (or of the file) */
			if (is_pkg && installed && ver) {
				snprintf(out, size, "%.*s",
					 (int)(vlen < size ? vlen : size - 1),
					 ver);
				return 1;
			}
			is_pkg = installed = 0;
			ver = NULL;
		} else if (dpkg_field(buf + start, n, "Package:", &v, &pl)) {
			is_pkg = word_is(v, pl, pkg);
		} else if (dpkg_field(buf + start, n, "Status:", &v, &n)) {
			installed = n >= 10 &&
				    !memcmp(v + n - 10, " installed", 10);
		} else if (dpkg_field(buf + start, n, "Version:", &v, &n)) {
			ver = v;
			vlen = n;
		}
		start = i + 1;
	}
	return 0;
}

int version_major(const char *v)
{
	const char *colon = strchr(v, ':');
	int n = 0, digits = 0;

	/* an epoch ("1:") first: the upstream version follows it */
	if (colon) {
		const char *p;

		for (p = v; p < colon && *p >= '0' && *p <= '9'; p++)
			;
		if (p == colon && p > v)
			v = colon + 1;
	}
	for (; *v >= '0' && *v <= '9'; v++) {
		if (++digits > 4)
			return -1;
		n = n * 10 + (*v - '0');
	}
	return digits ? n : -1;
}

/* ---- /proc/keys ---- */

/* The next space-separated field of line[*i..n). */
static int next_field(const char *line, size_t n, size_t *i, const char **f,
		      size_t *flen)
{
	while (*i < n && line[*i] == ' ')
		(*i)++;
	if (*i >= n)
		return 0;
	*f = line + *i;
	while (*i < n && line[*i] != ' ')
		(*i)++;
	*flen = (size_t)(line + *i - *f);
	return 1;
}

static int parse_u32(const char *p, size_t n, int base, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		int d = hex_digit(p[i]);

		if (d < 0 || d >= base)
			return -1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void copy_name(struct pkey *k, const char *p, size_t n)
{
	if (n >= sizeof(k->name))
		n = sizeof(k->name) - 1;
	memcpy(k->name, p, n);
	k->name[n] = '\0';
}

/*
 * An asymmetric key's description: "<name>: <id hex>", which the kernel
 * follows with " X509.rsa <last 4 id bytes> []" (or ": X509.rsa ..."). The
 * name may itself hold ": ", so the id is the last ": " followed by an
 * even-length hex run that ends the text or is followed by ' ' or ':'.
 */
static void parse_asymmetric(const char *d, size_t n, struct pkey *k)
{
	size_t i, best = n, best_len = 0;

	for (i = 0; i + 2 < n; i++) {
		size_t j;

		if (d[i] != ':' || d[i + 1] != ' ')
			continue;
		for (j = i + 2; j < n && hex_digit(d[j]) >= 0; j++)
			;
		if (j - (i + 2) < 2 || (j - (i + 2)) % 2 ||
		    (j < n && d[j] != ' ' && d[j] != ':'))
			continue;
		best = i;
		best_len = j - (i + 2);
	}
	if (best == n || best_len / 2 > sizeof(k->id)) {
		copy_name(k, d, n);
		return;
	}
	copy_name(k, d, best);
	for (i = 0; i < best_len / 2; i++)
		k->id[i] = (uint8_t)(hex_digit(d[best + 2 + 2 * i]) << 4 |
				     hex_digit(d[best + 3 + 2 * i]));
	k->id_len = best_len / 2;
}

int proc_keys_next(const char *buf, size_t len, size_t *off, struct pkey *k)
{
	const char *line, *f = NULL;
	size_t n, i = 0, flen = 0, end;
	int field;

	memset(k, 0, sizeof(*k));
	if (!buf || *off >= len)
		return 0;
	line = buf + *off;
	for (end = *off; end < len && buf[end] != '\n'; end++)
		;
	n = end - *off;
	*off = end < len ? end + 1 : end;

	/* ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION */
	for (field = 0; field < 8; field++) {
		uint32_t v;

		if (!next_field(line, n, &i, &f, &flen))
			return 1; /* PKEY_OTHER */
		switch (field) {
		case 0:
			if (parse_u32(f, flen, 16, &k->serial))
				return 1;
			break;
		case 4:
			if (parse_u32(f, flen, 16, &k->perm))
				return 1;
			break;
		case 5:
			if (parse_u32(f, flen, 10, &v))
				return 1;
			k->uid = v;
			break;
		default:
			break;
		}
	}
	/* f is the type, cut to 9 characters by the kernel */
	while (i < n && line[i] == ' ')
		i++;
	if (word_is(f, flen, "keyring")) {
		size_t j, colon = n;

		for (j = i; j + 1 < n; j++)
			if (line[j] == ':' && line[j + 1] == ' ')
				colon = j;
		copy_name(k, line + i, colon - i);
		k->type = PKEY_KEYRING;
	} else if (word_is(f, flen, "asymmetri") ||
		   word_is(f, flen, "asymmetric")) {
		parse_asymmetric(line + i, n - i, k);
		k->type = PKEY_ASYMMETRIC;
	}
	return 1;
}

/* ---- EFI signature lists ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#define SIGLIST_HDR 28u /* GUID + three u32 */

void siglist_init(struct siglist_iter *it, const uint8_t *buf, size_t len)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = buf ? len : 0;
}

static int siglist_fail(struct siglist_iter *it, size_t off, const char *why)
{
	it->err = why;
	it->err_off = off;
	/* stop: every later call says the same */
	it->list_off = it->list_end = it->entry_off = it->len;
	return -1;
}

int siglist_next(struct siglist_iter *it, struct siglist_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (it->err)
		return -1;
	while (it->entry_off >= it->list_end) {
		size_t off = it->list_end, left, lsize, hsize, ssize;

		if (off >= it->len)
			return 0;
		left = it->len - off;
		if (left < SIGLIST_HDR)
			return siglist_fail(
				it, off,
				"a signature list header is cut short");
		lsize = le32(it->buf + off + 16);
		hsize = le32(it->buf + off + 20);
		ssize = le32(it->buf + off + 24);
		if (lsize < SIGLIST_HDR || lsize > left)
			return siglist_fail(it, off,
					    "SignatureListSize does not fit");
		if (hsize > lsize - SIGLIST_HDR)
			return siglist_fail(it, off,
					    "SignatureHeaderSize does not fit");
		if (ssize < EFI_GUID_LEN)
			return siglist_fail(
				it, off,
				"SignatureSize is smaller than an owner GUID");
		if ((lsize - SIGLIST_HDR - hsize) % ssize)
			return siglist_fail(
				it, off,
				"the list is not a whole number of signatures");
		it->list_off = off;
		it->list_end = off + lsize;
		it->entry_off = off + SIGLIST_HDR + hsize;
		it->sig_size = ssize;
	}
	e->type = it->buf + it->list_off;
	e->owner = it->buf + it->entry_off;
	e->data = e->owner + EFI_GUID_LEN;
	e->data_len = it->sig_size - EFI_GUID_LEN;
	e->offset = it->entry_off;
	it->entry_off += it->sig_size;
	return 1;
}

/* ---- .modinfo ---- */

struct elf {
	const uint8_t *buf;
	size_t len;
	int big, is64;
};

static uint64_t elf_rd(const struct elf *r, uint64_t off, unsigned width,
		       int *ok)
{
	uint64_t v = 0;
	unsigned i;

	if (off > r->len || width > r->len - off) {
		*ok = 0;
		return 0;
	}
	for (i = 0; i < width; i++)
		v = v << 8 | r->buf[off + (r->big ? i : width - 1 - i)];
	return v;
}

/* Offset and size of section idx; 0 on success. */
static int elf_section(const struct elf *r, uint64_t shoff, unsigned shentsize,
		       uint64_t idx, uint64_t *name, uint64_t *off,
		       uint64_t *size)
{
	unsigned w = r->is64 ? 8 : 4;
	uint64_t h;
	int ok = 1;

	if (idx > (UINT64_MAX - shoff) / shentsize)
		return -1;
	h = shoff + idx * shentsize;
	*name = elf_rd(r, h, 4, &ok);
	*off = elf_rd(r, h + (r->is64 ? 0x18 : 0x10), w, &ok);
	*size = elf_rd(r, h + (r->is64 ? 0x20 : 0x14), w, &ok);
	if (!ok || *off > r->len || *size > r->len - *off)
		return -1;
	return 0;
}

/* Where .modinfo lies in the image; 0 on success. */
static int find_modinfo(const struct elf *r, uint64_t *moff, uint64_t *msize)
{
	static const char want[] = ".modinfo";
	uint64_t shoff, shnum, shstrndx, i, name, soff, ssize, str_off,
		str_size;
	unsigned shentsize;
	int ok = 1;

	shoff = elf_rd(r, r->is64 ? 0x28 : 0x20, r->is64 ? 8 : 4, &ok);
	shentsize = (unsigned)elf_rd(r, r->is64 ? 0x3a : 0x2e, 2, &ok);
	shnum = elf_rd(r, r->is64 ? 0x3c : 0x30, 2, &ok);
	shstrndx = elf_rd(r, r->is64 ? 0x3e : 0x32, 2, &ok);
	if (!ok || shoff == 0 || shoff >= r->len ||
	    shentsize < (r->is64 ? 0x40u : 0x28u))
		return -1;
	/* extended numbering: the real values are in section 0 */
	if (shnum == 0)
		shnum = elf_rd(r, shoff + (r->is64 ? 0x20 : 0x14),
			       r->is64 ? 8 : 4, &ok);
	if (shstrndx == 0xffff)
		shstrndx = elf_rd(r, shoff + (r->is64 ? 0x28 : 0x18), 4, &ok);
	if (!ok)
		return -1;
	if (shstrndx >= shnum || elf_section(r, shoff, shentsize, shstrndx,
					     &name, &str_off, &str_size))
		return -1;
	for (i = 0; i < shnum; i++) {
		/* every header must lie in the buffer; stop at the first that
		 * does not (shnum may be hostile) */
		if (elf_section(r, shoff, shentsize, i, &name, &soff, &ssize)) {
			if (shoff + i * shentsize >= r->len)
				break;
			continue;
		}
		if (name >= str_size || str_size - name < sizeof(want))
			continue;
		if (memcmp(r->buf + str_off + name, want, sizeof(want)))
			continue;
		*moff = soff;
		*msize = ssize;
		return 0;
	}
	return -1;
}

int modinfo_get(const uint8_t *buf, size_t len, const char *key,
		const char **val, size_t *vlen)
{
	struct elf r = { buf, len, 0, 0 };
	uint64_t moff, msize, p, end;
	size_t klen = strlen(key);

	*val = NULL;
	*vlen = 0;
	if (!buf || len < 0x34 || memcmp(buf, "\177ELF", 4))
		return -1;
	if (buf[4] != 1 && buf[4] != 2)
		return -1;
	if (buf[5] != 1 && buf[5] != 2)
		return -1;
	r.is64 = buf[4] == 2;
	r.big = buf[5] == 2;
	if (r.is64 && len < 0x40)
		return -1;
	if (find_modinfo(&r, &moff, &msize))
		return -1;
	end = moff + msize; /* inside buf: checked by elf_section */
	for (p = moff; p < end;) {
		const uint8_t *s = buf + p;
		const uint8_t *nul = memchr(s, '\0', end - p);
		size_t n = nul ? (size_t)(nul - s) : (size_t)(end - p);

		if (n > klen && s[klen] == '=' && memcmp(s, key, klen) == 0) {
			*val = (const char *)s + klen + 1;
			*vlen = n - klen - 1;
			return 1;
		}
		p += n + 1;
	}
	return 0;
}

size_t first_word_len(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != ' ' && s[i] != '\0'; i++)
		;
	return i;
}

int dkms_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= 128 || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') &&
		    (!s[i] || !strchr("._+~:-", s[i])))
			return 0;
	return 1;
}
