// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * token.c - signing keys in a PKCS#11 token, named by a "pkcs11:" URI
 * (RFC 7512): the URI taken apart, the PKCS#11 module and the PIN found,
 * the p11-kit server checked, and the key loaded through OpenSSL's pkcs11
 * provider (provider.c, pkcs11-provider) or, where none loads, libp11's
 * engine (engine.c). Neither OpenSSL API is used here.
 */
#include "token.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ui.h>

#include "engine.h"
#include "provider.h"
#include "util.h"

char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 &&
		    hex_digit(s[i + 2]) >= 0) {
			*o++ = (char)(hex_digit(s[i + 1]) * 16 +
				      hex_digit(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int token_uri_nul(const char *spec, char *attr, size_t attr_size)
{
	const char *p, *start = spec;

	for (p = spec; *p; p++) {
		size_t n;

		if (*p == ':' || *p == ';' || *p == '?' || *p == '&') {
			start = p + 1;
			continue;
		}
		/* pct_decode's rule: % and two hex digits; only 00 is NUL */
		if (p[0] != '%' || p[1] != '0' || p[2] != '0')
			continue;
		/* the attribute's name, never its value (a PIN, maybe) */
		n = strcspn(start, "=;?&");
		if (start[n] != '=' || start + n > p)
			n = 0;
		snprintf(attr, attr_size, "%.*s=", (int)n, start);
		if (!n)
			snprintf(attr, attr_size, "%s", "an attribute");
		return 1;
	}
	return 0;
}

void uri_parts_free(struct uri_parts *u)
{
	if (u->pin)
		OPENSSL_cleanse(u->pin, strlen(u->pin));
	free(u->pin);
	free(u->module);
	free(u->uri);
	memset(u, 0, sizeof(*u));
}

static int attr_is(const char *a, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n > l && !memcmp(a, name, l) && a[l] == '=';
}

/*
 * Splits "pkcs11:path-attrs[?query-attrs]": path attributes are separated by
 * ';', query attributes by '&'. pin-value (in either part, as libp11 and
 * the openssl command take it) and module-path are taken out; the rest is
 * kept in order.
 */
static int uri_split(const char *spec, struct uri_parts *u)
{
	size_t len = strlen(spec), i = strlen(URI_PREFIX), start;
	int in_query = 0, kept_path = 0, kept_query = 0;
	char *o;

	memset(u, 0, sizeof(*u));
	u->uri = malloc(len + 2);
	if (!u->uri)
		return -1;
	o = u->uri;
	memcpy(o, URI_PREFIX, i);
	o += i;
	while (i <= len) {
		size_t n;

		start = i;
		while (i < len && spec[i] != (in_query ? '&' : ';') &&
		       !(spec[i] == '?' && !in_query))
			i++;
		n = i - start;
		if (attr_is(spec + start, n, "pin-value")) {
			if (u->pin) {
				OPENSSL_cleanse(u->pin, strlen(u->pin));
				free(u->pin);
			}
			u->pin = pct_decode(spec + start + 10, n - 10);
			if (!u->pin)
				return -1;
		} else if (attr_is(spec + start, n, "module-path")) {
			free(u->module);
			u->module = pct_decode(spec + start + 12, n - 12);
			if (!u->module)
				return -1;
		} else if (n && !memchr(spec + start, '=', n)) {
			/* not an attribute: maybe the tail of a PIN with a
			 * raw ';' or '&' in it, so never shown or passed on */
			errno = EINVAL;
			return -1;
		} else if (n) {
			if (in_query)
				*o++ = kept_query++ ? '&' : '?';
			else if (kept_path++)
				*o++ = ';';
			memcpy(o, spec + start, n);
			o += n;
		}
		if (i < len && spec[i] == '?')
			in_query = 1;
		i++;
	}
	*o = '\0';
	return 0;
}

/* Whether this process has a terminal to ask on (OpenSSL's UI reads
 * /dev/tty, with echo off). */
static int have_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* The p11-kit server that the key is reached through, for messages: "" for
 * a token on this machine. One signing key per process. */
static char server[256];

const char *token_server(void)
{
	return server;
}

/* The server's socket for token_interrupt, set by check_server: its path
 * as given and as resolved (a getpeername names the path the server bound),
 * and how many descriptors to look at. */
static struct {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char real[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int max_fd;
} sock_of_server;

/* Whether a peer address of len bytes names path (async-signal-safe: no
 * library string function). */
static int peer_is(const struct sockaddr_un *sa, socklen_t len,
		   const char *path)
{
	size_t i, n = len > offsetof(struct sockaddr_un, sun_path) ?
			      len - offsetof(struct sockaddr_un, sun_path) :
			      0;

	if (!path[0])
		return 0;
	for (i = 0; i < n && i < sizeof(sa->sun_path); i++) {
		if (sa->sun_path[i] != path[i])
			return 0;
		if (!path[i])
			return 1;
	}
	return i < sizeof(sa->sun_path) ? !path[i] : 1;
}

/* Shuts down fd if it is a connection to the server's socket
 * (async-signal-safe). */
static void shut_if_server(int fd)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);

	if (getpeername(fd, (struct sockaddr *)&sa, &len) ||
	    sa.sun_family != AF_UNIX)
		return;
	if (peer_is(&sa, len, sock_of_server.path) ||
	    peer_is(&sa, len, sock_of_server.real))
		shutdown(fd, SHUT_RDWR);
}

/*
 * One shutdown is not enough: p11-kit-client 0.25 (Debian 13) takes the
 * end of its first connection, in the middle of C_Initialize's handshake,
 * for a server of an older protocol, and connects again at once with
 * version 0, and waits on that connection as long. So the first stop
 * signal also wakes this thread (started with the server noted, every
 * signal blocked in it), which shuts down every connection to the server
 * until the process ends, a new one included, every 20 ms.
 */
static struct {
	sem_t wake;
	volatile sig_atomic_t ready;
} watchdog;

static void shut_server_connections(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd;

	if (!d) {
		for (fd = 0; fd < sock_of_server.max_fd; fd++)
			shut_if_server(fd);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    (fd = atoi(e->d_name)) != dirfd(d))
			shut_if_server(fd);
	closedir(d);
}

static void *watchdog_run(void *arg)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };

	(void)arg;
	while (sem_wait(&watchdog.wake))
		if (errno != EINTR)
			return NULL;
	for (;;) {
		shut_server_connections();
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* Starts the watchdog, once; without it (no thread), token_interrupt's
 * one shutdown still ends a client that does not connect again. */
static void watchdog_start(void)
{
	sigset_t all, old;
	pthread_t t;

	if (watchdog.ready || sem_init(&watchdog.wake, 0, 0))
		return;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old))
		return;
	if (!pthread_create(&t, NULL, watchdog_run, NULL)) {
		pthread_detach(t);
		watchdog.ready = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void token_interrupt(void)
{
	int fd, saved = errno;

	for (fd = 0; fd < sock_of_server.max_fd; fd++)
		shut_if_server(fd);
	if (watchdog.ready)
		sem_post(&watchdog.wake);
	errno = saved;
}

/* Remembers the server's socket for token_interrupt. */
static void note_server_socket(const char *path)
{
	char *real = realpath(path, NULL);
	long max = sysconf(_SC_OPEN_MAX);

	snprintf(sock_of_server.path, sizeof(sock_of_server.path), "%s", path);
	sock_of_server.real[0] = '\0';
	if (real && strlen(real) < sizeof(sock_of_server.real))
		memcpy(sock_of_server.real, real, strlen(real) + 1);
	free(real);
	sock_of_server.max_fd = max < 1024  ? 1024 :
				max > 65536 ? 65536 :
					      (int)max;
	watchdog_start();
}

/* Whether the PKCS#11 module is p11-kit's client, which forwards every
 * call to a `p11-kit server` at $P11_KIT_SERVER_ADDRESS. */
static int is_p11kit_client(const char *module)
{
	const char *base = strrchr(module, '/');

	return !strncmp(base ? base + 1 : module, "p11-kit-client", 14);
}

/*
 * For p11-kit-client.so: names the server in messages, and tries its Unix
 * socket first. Without that, a server that is not there shows up only as
 * libp11's "invalid parameter". Returns 0, or -1 with the reason in *eb.
 */
static int check_server(struct errbuf *eb)
{
	const char *addr = getenv("P11_KIT_SERVER_ADDRESS");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path;
	int fd, err;

	if (!addr || !*addr) {
		eb_set(eb,
		       "P11_KIT_SERVER_ADDRESS is not set, and p11-kit-client.so needs it: set it to unix:path=SOCKET, the p11-kit server's socket (or the local end of its SSH forward)");
		return -1;
	}
	snprintf(server, sizeof(server), "%s", addr);
	if (strncmp(addr, "unix:path=", 10))
		return 0; /* another transport: p11-kit-client says */
	/* decoded, %00 would cut the path: another socket than the one named */
	if (strstr(addr + 10, "%00")) {
		eb_set(eb,
		       "P11_KIT_SERVER_ADDRESS has %%00 (a NUL byte) in its socket path, which would name another socket: give the path without it");
		return -1;
	}
	path = pct_decode(addr + 10, strlen(addr + 10));
	if (!path) {
		eb_set(eb, "out of memory");
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		eb_set(eb,
		       "the p11-kit server socket %s has a path too long for a Unix socket (%zu bytes at most): use a shorter one",
		       path, sizeof(sa.sun_path) - 1);
		free(path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	err = fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ?
		      errno :
		      0;
	if (fd >= 0)
		close(fd);
	if (err)
		eb_set(eb,
		       "cannot reach the p11-kit server at %s (P11_KIT_SERVER_ADDRESS): %s; check that 'p11-kit server' runs on the signing host and that the SSH forward of its socket to %s is up",
		       addr, strerror(err), path);
	else
		note_server_socket(path);
	free(path);
	return err ? -1 : 0;
}

/* Appends " (through the p11-kit server at ADDR: ...)" to a failure of a
 * remote token, so that the message says where to look. */
void add_server(struct errbuf *eb)
{
	char why[ERRBUF_SIZE];

	if (!server[0])
		return;
	snprintf(why, sizeof(why), "%s", eb->msg);
	eb_set(eb, "%s (through the p11-kit server at %s)", why, server);
}

/* The PKCS#11 module: module-path in the URI, else $MODSIGN_PKCS11_MODULE,
 * else libp11's default (p11-kit's proxy). For p11-kit-client.so, the
 * server must answer first. 0, or -1 with *eb. */
static int token_module(struct uri_parts *u, struct errbuf *eb)
{
	const char *env = getenv("MODSIGN_PKCS11_MODULE");

	if (!u->module && env && *env) {
		u->module = strdup(env);
		if (!u->module) {
			eb_set(eb, "out of memory");
			return -1;
		}
	}
	server[0] = '\0';
	if (!u->module || !is_p11kit_client(u->module))
		return 0;
	if (check_server(eb)) {
		server[0] = '\0'; /* the message names it already */
		return -1;
	}
	/* p11-kit-client.so writes to its socket without MSG_NOSIGNAL: a
	 * server that goes away mid-batch would end us with SIGPIPE,
	 * unreported and with temporary files left; ignored, the write
	 * fails, the token's call fails, and the batch says so */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		eb_set(eb, "cannot ignore SIGPIPE: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The PIN: the URI's pin-value, else $MODSIGN_PIN or $KBUILD_SIGN_PIN;
 * with none (and no pin-source), libp11 asks on the terminal (no echo),
 * when there is one, never on a pipe (*ask). 0, or -1 with *eb. */
static int token_pin(const struct uri_parts *u, const char **pin, int *ask,
		     struct errbuf *eb)
{
	int source = strstr(u->uri, "pin-source=") != NULL;

	*pin = u->pin;
	if (!*pin)
		*pin = getenv("MODSIGN_PIN");
	if (!*pin)
		*pin = getenv("KBUILD_SIGN_PIN");
	*ask = !*pin && !source && have_terminal();
	if (!*pin && !*ask && !source) {
		eb_set(eb,
		       "no PIN for the token and no terminal to ask on: set MODSIGN_PIN (or put pin-value in the URI)");
		return -1;
	}
	return 0;
}

/* Which route token_key_load takes: $MODSIGN_PKCS11 is "provider" or
 * "engine" to allow only that one; unset, empty or "auto": the provider
 * where it loads, else the engine. 0, or -1 with *eb. */
static int token_route(int *provider, int *engine, struct errbuf *eb)
{
	const char *want = getenv("MODSIGN_PKCS11");

	*provider = *engine = 1;
	if (!want || !*want || !strcmp(want, "auto"))
		return 0;
	if (!strcmp(want, "provider")) {
		*engine = 0;
		return 0;
	}
	if (!strcmp(want, "engine")) {
		*provider = 0;
		return 0;
	}
	eb_set(eb,
	       "MODSIGN_PKCS11 is '%s': use provider, engine or auto (the default: the provider where it loads, else the engine)",
	       want);
	return -1;
}

int token_key_load(const char *spec, struct signing_key *k, struct errbuf *eb)
{
	struct uri_parts u;
	const char *pin;
	char why[64];
	int ask, use_provider, use_engine, ret = -1;

	memset(&u, 0, sizeof(u));
	/* sign refuses it first, as a usage error; here for every caller */
	if (token_uri_nul(spec, why, sizeof(why))) {
		eb_set(eb,
		       "the URI has %%00 (a NUL byte) in the value of %s: remove it",
		       why);
		goto out;
	}
	if (token_route(&use_provider, &use_engine, eb))
		goto out;
	if (uri_split(spec, &u)) {
		if (errno == EINVAL)
			eb_set(eb,
			       "a part of the URI is not a name=value attribute: write ';' as %%3B, '&' as %%26 and '?' as %%3F inside a value (a PIN, say)");
		else
			eb_set(eb, "out of memory");
		goto out;
	}
	if (token_module(&u, eb) || token_pin(&u, &pin, &ask, eb))
		goto out;
	/* A provider that loads decides: its failure (a wrong PIN) is not
	 * tried again through the engine, which would count a second
	 * failed login against the token's retry limit. */
	if (use_provider && provider_usable(u.module)) {
		ret = provider_key_load(&u, pin, ask, k, eb);
		goto out;
	}
	if (use_engine && engine_built()) {
		ret = engine_key_load(&u, pin, ask, k, eb);
		goto out;
	}
	if (use_engine)
		eb_set(eb,
		       "OpenSSL's pkcs11 provider does not load, and this modsign is built without OpenSSL's ENGINE API (libp11's engine): install pkcs11-provider (Debian 13 and later; Debian 12: bookworm-backports), or point OPENSSL_MODULES at the folder that holds its pkcs11.so");
	else
		eb_set(eb,
		       "MODSIGN_PKCS11=provider, and OpenSSL's pkcs11 provider does not load: install pkcs11-provider (Debian 13 and later; Debian 12: bookworm-backports), or point OPENSSL_MODULES at the folder that holds its pkcs11.so");
out:
	if (ret)
		add_server(eb);
	uri_parts_free(&u);
	return ret;
}

int library_copy(const char *path)
{
	char buf[65536];
	ssize_t got;
	int in, out;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = memfd_create("modsign-pkcs11-module", MFD_CLOEXEC);
	while (out >= 0 && (got = read(in, buf, sizeof(buf))) != 0) {
		ssize_t put = 0, w;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			close(out);
			out = -1;
			break;
		}
		while (put < got) {
			w = write(out, buf + put, (size_t)(got - put));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				close(out);
				out = -1;
				break;
			}
			put += w;
		}
	}
	close(in);
	return out;
}

int token_key_load_more(const char *spec, const struct signing_key *first,
			struct signing_key *more, int n)
{
	struct uri_parts u;
	struct errbuf eb;
	const char *pin;
	char *module, path[64];
	int ask, got = 0;

	memset(&u, 0, sizeof(u));
	if (!first->in_token || uri_split(spec, &u))
		goto out;
	if (!u.module) {
		const char *env = getenv("MODSIGN_PKCS11_MODULE");

		u.module = env && *env ? strdup(env) : NULL;
	}
	/* a token on this machine: its module may share one state between
	 * copies (SoftHSM2's files); and a PIN asked on the terminal is
	 * asked once */
	if (!u.module || !is_p11kit_client(u.module) ||
	    token_pin(&u, &pin, &ask, &eb) || ask)
		goto out;
	module = u.module;
	for (got = 0; got < n; got++) {
		int fd = library_copy(module), r;

		if (fd < 0)
			break;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		u.module = path;
		r = first->engine ?
			    engine_key_load_own(&u, pin, &more[got], &eb) :
			    provider_key_load_own(&u, pin, &more[got], &eb);
		/* loaded (mapped), or not: the descriptor is not needed */
		close(fd);
		if (r) {
			signing_key_free(&more[got]);
			break;
		}
	}
	u.module = module;
out:
	ERR_clear_error();
	uri_parts_free(&u);
	return got;
}
