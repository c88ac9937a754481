/*
 * shim.c: an LD_PRELOAD library that records, or fails, the writes and
 * syncs a process makes to one file: the store.
 *
 *   cc -shared -fPIC -O2 -o shim.so shim.c -ldl
 *
 * ES_SHIM_FILE=path     the store file.  Descriptors opened on it, or on
 *                       path.tmp* (a store being created), are watched;
 *                       path-lock is not (the lock file is not data).
 *
 * Record mode, ES_SHIM_LOG=logfile: append to logfile, for every call on
 * a watched descriptor, in the order the process makes them:
 *   P pid argv0\n                   a process starts
 *   W off len dsync call\n<bytes>   a piece of a write: write, pwrite,
 *                                   and each iovec of writev and pwritev
 *                                   (only the bytes the call wrote);
 *                                   dsync 1: the descriptor has O_DSYNC or
 *                                   O_SYNC, so the piece was durable when
 *                                   the call returned
 *   S kind call\n                   a sync barrier: fsync, fdatasync,
 *                                   msync, sync_file_range, sync, syncfs
 *   T len call\n                    ftruncate (fallocate: F len call)
 *   A len\n<bytes>                  bytes about to be written to stdout
 *                                   (the --ack lines), before they are
 *   E kind call errno\n             a call that failed
 * where call numbers the calls on watched descriptors.  stdout is
 * replaced by an unbuffered stream so that whatever the program hands to
 * stdio is logged at once (glibc's stdio writes with an internal write
 * that no LD_PRELOAD sees).
 *
 * Fault mode, ES_SHIM_FAIL=class:N:ERR[,class:N:ERR...]: the Nth call of
 * class on a watched descriptor fails with ERR and does nothing.  class
 * is write (write, pwrite, writev, pwritev), sync (fsync, fdatasync,
 * msync, sync_file_range) or any; ERR is ENOSPC, EIO, EDQUOT, EFBIG or
 * SHORT (the call writes the first half of its bytes and returns that
 * count, as a full disk can) or LIE (the call does nothing and reports
 * success: a lying disk, to show that the tests catch lost writes).  N+ fails the Nth call and every later one
 * of the class.  ES_SHIM_FIRED=file: append a line to file when a fault
 * is injected.
 *
 * ES_SHIM_COUNT=file (any mode): at exit, append "WRITES SYNCS\n", the
 * number of write and sync calls made on watched descriptors.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXFD	4096
#define MAXRULES 8

static char	 watched[MAXFD];	/* 1: store, 2: store, O_DSYNC */
static char	 store_path[PATH_MAX];
static size_t	 store_len;
static int	 log_fd = -1;
static long	 ncall, nwrite, nsync;
static int	 inited;

static struct rule {
	int	 cls;		/* 'w', 's', 'a' */
	long	 n;
	int	 sticky;
	int	 err;		/* -1: SHORT, -2: LIE */
} rules[MAXRULES];
static int nrules;

static ssize_t	(*real_write)(int, const void *, size_t);
static ssize_t	(*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t	(*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t	(*real_writev)(int, const struct iovec *, int);
static ssize_t	(*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t	(*real_pwritev64)(int, const struct iovec *, int, off_t);
static ssize_t	(*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int	(*real_fsync)(int);
static int	(*real_fdatasync)(int);
static int	(*real_msync)(void *, size_t, int);
static int	(*real_sync_file_range)(int, off_t, off_t, unsigned);
static int	(*real_syncfs)(int);
static void	(*real_sync)(void);
static int	(*real_ftruncate)(int, off_t);
static int	(*real_ftruncate64)(int, off_t);
static int	(*real_fallocate)(int, int, off_t, off_t);
static int	(*real_posix_fallocate)(int, off_t, off_t);
static int	(*real_open)(const char *, int, ...);
static int	(*real_open64)(const char *, int, ...);
static int	(*real_openat)(int, const char *, int, ...);
static int	(*real_openat64)(int, const char *, int, ...);
static int	(*real_close)(int);

#define RESOLVE(name) do { if (real_##name == NULL) \
	*(void **)&real_##name = dlsym(RTLD_NEXT, #name); } while (0)

static void
resolve(void)
{
	RESOLVE(write); RESOLVE(pwrite); RESOLVE(pwrite64); RESOLVE(writev);
	RESOLVE(pwritev); RESOLVE(pwritev64); RESOLVE(pwritev2);
	RESOLVE(fsync); RESOLVE(fdatasync); RESOLVE(msync);
	RESOLVE(sync_file_range); RESOLVE(syncfs); RESOLVE(sync);
	RESOLVE(ftruncate); RESOLVE(ftruncate64); RESOLVE(fallocate);
	RESOLVE(posix_fallocate); RESOLVE(open); RESOLVE(open64);
	RESOLVE(openat); RESOLVE(openat64); RESOLVE(close);
}

/* Write all of buf to the log, whatever errno was. */
static void
log_bytes(const void *buf, size_t n)
{
	const char	*p = buf;
	int		 saved = errno;
	ssize_t		 w;

	while (log_fd >= 0 && n > 0) {
		if ((w = real_write(log_fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += w, n -= (size_t)w;
	}
	errno = saved;
}

static void
logf_(const char *fmt, ...)
{
	char	 line[PATH_MAX + 128];
	va_list	 ap;
	int	 n;

	if (log_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		log_bytes(line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

/* One record for a piece of data: header line, then the bytes, written
 * together so concurrent processes cannot interleave them. */
static void
log_piece(char kind, long long off, const void *buf, size_t n, int dsync)
{
	char	 head[128];
	char	*rec;
	int	 h;

	if (log_fd < 0)
		return;
	if (kind == 'A')
		h = snprintf(head, sizeof(head), "A %zu\n", n);
	else
		h = snprintf(head, sizeof(head), "W %lld %zu %d %ld\n", off, n,
		    dsync, ncall);
	if ((rec = malloc((size_t)h + n)) == NULL) {
		log_bytes(head, (size_t)h);
		log_bytes(buf, n);
		return;
	}
	memcpy(rec, head, (size_t)h);
	memcpy(rec + h, buf, n);
	log_bytes(rec, (size_t)h + n);
	free(rec);
}

static int
parse_err(const char *s)
{
	if (strcmp(s, "ENOSPC") == 0) return ENOSPC;
	if (strcmp(s, "EIO") == 0) return EIO;
	if (strcmp(s, "EDQUOT") == 0) return EDQUOT;
	if (strcmp(s, "EFBIG") == 0) return EFBIG;
	if (strcmp(s, "SHORT") == 0) return -1;
	if (strcmp(s, "LIE") == 0) return -2;
	return 0;
}

static void
parse_rules(const char *spec)
{
	char	 buf[512], *tok, *save, *c1, *c2, *end;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok && nrules < MAXRULES;
	    tok = strtok_r(NULL, ",", &save)) {
		struct rule *r = &rules[nrules];

		if ((c1 = strchr(tok, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL)
			goto bad;
		*c1 = *c2 = '\0';
		if (strcmp(tok, "write") == 0) r->cls = 'w';
		else if (strcmp(tok, "sync") == 0) r->cls = 's';
		else if (strcmp(tok, "any") == 0) r->cls = 'a';
		else goto bad;
		r->n = strtol(c1 + 1, &end, 10);
		r->sticky = *end == '+';
		if (r->n < 1 || (*end != '\0' && strcmp(end, "+") != 0) ||
		    (r->err = parse_err(c2 + 1)) == 0)
			goto bad;
		nrules++;
	}
	return;
bad:
	fprintf(stderr, "shim: bad ES_SHIM_FAIL: %s\n", spec);
	_exit(125);
}

/*
 * Replace stdout by an unbuffered stream that logs what goes through it.
 */
static ssize_t
out_write(void *cookie, const char *buf, size_t n)
{
	size_t	 done = 0;
	ssize_t	 w;

	(void)cookie;
	log_piece('A', 0, buf, n, 0);
	while (done < n) {
		if ((w = real_write(1, buf + done, n - done)) < 0) {
			if (errno == EINTR)
				continue;
			return done > 0 ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int
out_close(void *cookie)
{
	(void)cookie;
	return real_close(1);
}

__attribute__((constructor)) static void
shim_init(void)
{
	const char		*p;
	char			 argv0[PATH_MAX] = "?";
	cookie_io_functions_t	 io = { NULL, out_write, NULL, out_close };
	FILE			*fp;
	int			 fd;

	resolve();
	inited = 1;
	if ((p = getenv("ES_SHIM_FILE")) == NULL || *p == '\0')
		return;
	if (p[0] != '/' && getcwd(argv0, sizeof(argv0) - 1) != NULL)
		snprintf(store_path, sizeof(store_path), "%s/%s", argv0, p);
	else
		snprintf(store_path, sizeof(store_path), "%s", p);
	store_len = strlen(store_path);
	argv0[0] = '\0';
	if ((p = getenv("ES_SHIM_FAIL")) != NULL && *p != '\0')
		parse_rules(p);
	if ((p = getenv("ES_SHIM_LOG")) == NULL || *p == '\0')
		return;
	if ((log_fd = real_open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0) {
		fprintf(stderr, "shim: %s: %s\n", p, strerror(errno));
		_exit(125);
	}
	if ((fd = real_open("/proc/self/cmdline", O_RDONLY)) >= 0) {
		ssize_t n = read(fd, argv0, sizeof(argv0) - 1);

		argv0[n > 0 ? n : 0] = '\0';
		real_close(fd);
	}
	logf_("P %ld %s\n", (long)getpid(), argv0[0] ? argv0 : "?");
	if ((fp = fopencookie(NULL, "w", io)) != NULL) {
		setvbuf(fp, NULL, _IONBF, 0);
		stdout = fp;
	}
}

__attribute__((destructor)) static void
shim_fini(void)
{
	const char	*p;
	char		 line[64];
	int		 fd, n;

	if ((p = getenv("ES_SHIM_COUNT")) == NULL || *p == '\0' ||
	    (fd = real_open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld %ld\n", nwrite, nsync);
	if (real_write(fd, line, (size_t)n) < 0)
		n = 0;
	real_close(fd);
}

/* Is path the store, or a store being created under path.tmp*? */
static int
is_store_path(int dirfd, const char *path)
{
	char		 abs[PATH_MAX * 2];
	const char	*p = path;
	size_t		 n;

	if (store_len == 0 || path == NULL)
		return 0;
	if (path[0] != '/' && store_path[0] == '/') {
		char cwd[PATH_MAX];

		if (dirfd != AT_FDCWD || getcwd(cwd, sizeof(cwd)) == NULL)
			return 0;
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
		p = abs;
	}
	if (strncmp(p, store_path, store_len) != 0)
		return 0;
	if (p[store_len] == '\0')
		return 1;
	if (strncmp(p + store_len, ".tmp", 4) != 0)
		return 0;
	n = strlen(p);
	return !(n >= 5 && strcmp(p + n - 5, "-lock") == 0);
}

static int
opened(int fd, int dirfd, const char *path, int flags)
{
	if (fd >= 0 && fd < MAXFD) {
		watched[fd] = 0;
		if (is_store_path(dirfd, path)) {
			watched[fd] = (flags & O_DSYNC) ? 2 : 1;
			logf_("O %d %d %s\n", fd, watched[fd] == 2, path);
		}
	}
	return fd;
}

#define OPEN_BODY(realfn, dirfd, ...) do {				\
	mode_t	 mode = 0;						\
	int	 fd, saved;						\
									\
	if (!inited) resolve();						\
	if (flags & (O_CREAT | __O_TMPFILE)) {				\
		va_list ap;						\
		va_start(ap, flags);					\
		mode = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
	fd = realfn(__VA_ARGS__, flags, mode);				\
	saved = errno;							\
	opened(fd, dirfd, path, flags);					\
	errno = saved;							\
	return fd;							\
} while (0)

int open(const char *path, int flags, ...)
{ OPEN_BODY(real_open, AT_FDCWD, path); }
int open64(const char *path, int flags, ...)
{ OPEN_BODY(real_open64, AT_FDCWD, path); }
int openat(int dirfd, const char *path, int flags, ...)
{ OPEN_BODY(real_openat, dirfd, dirfd, path); }
int openat64(int dirfd, const char *path, int flags, ...)
{ OPEN_BODY(real_openat64, dirfd, dirfd, path); }

int
close(int fd)
{
	if (!inited)
		resolve();
	if (fd >= 0 && fd < MAXFD)
		watched[fd] = 0;
	return real_close(fd);
}

static int
is_watched(int fd)
{
	return fd >= 0 && fd < MAXFD && watched[fd] != 0;
}

/*
 * Count a call of class cls ('w' or 's'); return the fault to inject:
 * 0 none, an errno, -1 for a short write, -2 for a lie.
 */
static int
fault(int cls, const char *name)
{
	long	 n = cls == 'w' ? ++nwrite : ++nsync;
	long	 any = nwrite + nsync;
	int	 i;

	++ncall;
	for (i = 0; i < nrules; i++) {
		struct rule	*r = &rules[i];
		long		 k = r->cls == 'a' ? any : n;
		const char	*f;

		if (r->cls != 'a' && r->cls != cls)
			continue;
		if (k == r->n || (r->sticky && k > r->n)) {
			if ((f = getenv("ES_SHIM_FIRED")) != NULL && *f) {
				int fd = real_open(f, O_WRONLY | O_APPEND |
				    O_CREAT | O_CLOEXEC, 0644);
				char line[128];
				int len = snprintf(line, sizeof(line),
				    "%s %c %ld %d\n", name, cls, k, r->err);

				if (fd >= 0) {
					ssize_t w = real_write(fd, line,
					    (size_t)len);
					(void)w;
					real_close(fd);
				}
			}
			logf_("E %s %ld %d\n", name, ncall, r->err);
			return r->err;
		}
	}
	return 0;
}

/* Log the pieces of a successful write of total bytes at off. */
static void
log_iov(int fd, const struct iovec *iov, int cnt, long long off,
    size_t total)
{
	int i;

	for (i = 0; i < cnt && total > 0; i++) {
		size_t n = iov[i].iov_len < total ? iov[i].iov_len : total;

		if (n > 0)
			log_piece('W', off, iov[i].iov_base, n,
			    watched[fd] == 2);
		off += (long long)n;
		total -= n;
	}
}

/* Shorten an iovec list to half its bytes (at least 1 byte). */
static int
halve(const struct iovec *iov, int cnt, struct iovec *out)
{
	size_t	 total = 0, want;
	int	 i, n = 0;

	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	want = total / 2 ? total / 2 : (total ? 1 : 0);
	for (i = 0; i < cnt && want > 0 && n < 1024; i++) {
		out[n] = iov[i];
		if (out[n].iov_len > want)
			out[n].iov_len = want;
		want -= out[n].iov_len;
		n++;
	}
	return n;
}

/* The common path of every write; pos < 0: at the file offset. */
static ssize_t
do_write(const char *name, int fd, const struct iovec *iov, int cnt,
    off_t pos, ssize_t (*call)(int, const struct iovec *, int, off_t))
{
	struct iovec	 half[1024];
	long long	 off;
	ssize_t		 rc;
	int		 err;

	if (!is_watched(fd))
		return call(fd, iov, cnt, pos);
	off = pos >= 0 ? (long long)pos : (long long)lseek(fd, 0, SEEK_CUR);
	if ((err = fault('w', name)) > 0) {
		errno = err;
		return -1;
	}
	if (err == -2) {
		size_t total = 0;
		int i;

		for (i = 0; i < cnt; i++)
			total += iov[i].iov_len;
		return (ssize_t)total;
	}
	if (err < 0) {
		cnt = halve(iov, cnt, half);
		iov = half;
	}
	rc = call(fd, iov, cnt, pos);
	if (rc < 0) {
		logf_("E %s %ld %d\n", name, ncall, errno);
		return rc;
	}
	log_iov(fd, iov, cnt, off, (size_t)rc);
	return rc;
}

/* Adapters so that every write goes through do_write. */
static ssize_t
c_write(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	(void)cnt, (void)pos;
	return real_write(fd, iov[0].iov_base, iov[0].iov_len);
}

static ssize_t
c_pwrite(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	(void)cnt;
	return real_pwrite(fd, iov[0].iov_base, iov[0].iov_len, pos);
}

static ssize_t
c_pwrite64(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	(void)cnt;
	return real_pwrite64(fd, iov[0].iov_base, iov[0].iov_len, pos);
}

static ssize_t
c_writev(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	(void)pos;
	return real_writev(fd, iov, cnt);
}

static ssize_t
c_pwritev(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	return real_pwritev(fd, iov, cnt, pos);
}

static ssize_t
c_pwritev64(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	return real_pwritev64(fd, iov, cnt, pos);
}

/* A single buffer: the short fault keeps a one-element list. */
#define ONE(buf, n) (struct iovec){ (void *)(buf), (n) }

ssize_t
write(int fd, const void *buf, size_t n)
{
	struct iovec v = ONE(buf, n);

	if (!inited)
		resolve();
	if (fd == 1 && log_fd >= 0)
		log_piece('A', 0, buf, n, 0);
	return do_write("write", fd, &v, 1, -1, c_write);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t pos)
{
	struct iovec v = ONE(buf, n);

	if (!inited)
		resolve();
	return do_write("pwrite", fd, &v, 1, pos, c_pwrite);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t pos)
{
	struct iovec v = ONE(buf, n);

	if (!inited)
		resolve();
	return do_write("pwrite64", fd, &v, 1, pos, c_pwrite64);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	if (!inited)
		resolve();
	return do_write("writev", fd, iov, cnt, -1, c_writev);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	if (!inited)
		resolve();
	return do_write("pwritev", fd, iov, cnt, pos, c_pwritev);
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int cnt, off_t pos)
{
	if (!inited)
		resolve();
	return do_write("pwritev64", fd, iov, cnt, pos, c_pwritev64);
}

ssize_t
pwritev2(int fd, const struct iovec *iov, int cnt, off_t pos, int flags)
{
	long long	 off;
	ssize_t		 rc;
	int		 err;

	if (!inited)
		resolve();
	if (!is_watched(fd))
		return real_pwritev2(fd, iov, cnt, pos, flags);
	off = pos >= 0 ? (long long)pos : (long long)lseek(fd, 0, SEEK_CUR);
	if ((err = fault('w', "pwritev2")) != 0) {
		errno = err > 0 ? err : EIO;
		return -1;
	}
	if ((rc = real_pwritev2(fd, iov, cnt, pos, flags)) >= 0) {
		char	 save = watched[fd];

		if (flags & (RWF_DSYNC | RWF_SYNC))
			watched[fd] = 2;
		log_iov(fd, iov, cnt, off, (size_t)rc);
		watched[fd] = save;
	}
	return rc;
}

/* The common path of every sync. */
#define SYNC_BODY(name, fd, call) do {					\
	int err, rc;							\
									\
	if (!inited) resolve();						\
	if (!is_watched(fd))						\
		return call;						\
	if ((err = fault('s', name)) == -2)				\
		return 0;						\
	if (err != 0) {							\
		errno = err > 0 ? err : EIO;				\
		return -1;						\
	}								\
	if ((rc = call) == 0)						\
		logf_("S %s %ld\n", name, ncall);			\
	else								\
		logf_("E %s %ld %d\n", name, ncall, errno);		\
	return rc;							\
} while (0)

int fsync(int fd) { SYNC_BODY("fsync", fd, real_fsync(fd)); }
int fdatasync(int fd) { SYNC_BODY("fdatasync", fd, real_fdatasync(fd)); }
int syncfs(int fd) { SYNC_BODY("syncfs", fd, real_syncfs(fd)); }

int
sync_file_range(int fd, off_t off, off_t n, unsigned flags)
{
	SYNC_BODY("sync_file_range", fd, real_sync_file_range(fd, off, n,
	    flags));
}

/* msync is on a mapping, not a descriptor: any msync of a process that
 * has the store open counts (LMDB without MDB_WRITEMAP makes none). */
int
msync(void *addr, size_t n, int flags)
{
	int i, any = 0;

	if (!inited)
		resolve();
	for (i = 0; i < MAXFD && !any; i++)
		any = watched[i] != 0;
	if (!any)
		return real_msync(addr, n, flags);
	for (i = 0; i < MAXFD && !watched[i]; i++)
		;
	SYNC_BODY("msync", i, real_msync(addr, n, flags));
}

void
sync(void)
{
	int i;

	if (!inited)
		resolve();
	for (i = 0; i < MAXFD; i++)
		if (watched[i]) {
			logf_("S sync %ld\n", ncall);
			break;
		}
	real_sync();
}

#define TRUNC_BODY(name, fd, len, call) do {				\
	int err, rc;							\
									\
	if (!inited) resolve();						\
	if (!is_watched(fd))						\
		return call;						\
	if ((err = fault('w', name)) != 0) {				\
		errno = err > 0 ? err : EIO;				\
		return -1;						\
	}								\
	if ((rc = call) == 0)						\
		logf_("T %lld %ld\n", (long long)(len), ncall);		\
	return rc;							\
} while (0)

int ftruncate(int fd, off_t len)
{ TRUNC_BODY("ftruncate", fd, len, real_ftruncate(fd, len)); }
int ftruncate64(int fd, off_t len)
{ TRUNC_BODY("ftruncate64", fd, len, real_ftruncate64(fd, len)); }

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	int err, rc;

	if (!inited)
		resolve();
	if (!is_watched(fd))
		return real_fallocate(fd, mode, off, len);
	if ((err = fault('w', "fallocate")) != 0) {
		errno = err > 0 ? err : EIO;
		return -1;
	}
	if ((rc = real_fallocate(fd, mode, off, len)) == 0 &&
	    !(mode & FALLOC_FL_KEEP_SIZE))
		logf_("F %lld %ld\n", (long long)(off + len), ncall);
	return rc;
}

int
posix_fallocate(int fd, off_t off, off_t len)
{
	int err, rc;

	if (!inited)
		resolve();
	if (!is_watched(fd))
		return real_posix_fallocate(fd, off, len);
	if ((err = fault('w', "posix_fallocate")) != 0)
		return err > 0 ? err : EIO;
	if ((rc = real_posix_fallocate(fd, off, len)) == 0)
		logf_("F %lld %ld\n", (long long)(off + len), ncall);
	return rc;
}
