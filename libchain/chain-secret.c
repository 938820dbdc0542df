/* chain-secret.c — passphrases and other secrets held in wiped memory */
#include "chain-secret.h"
#include "chain-i18n-private.h"
#include "chain-error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

struct _ChainSecret
{
  guint8 *data;    /* len bytes, then a NUL */
  gsize len;
  gsize map_len;   /* 0 when data came from g_malloc() */
};

/* Secrets live in their own mapping so mlock() and munlock() never touch a
 * page another allocation shares, and so they stay out of core dumps. */
static guint8 *
secret_alloc (gsize  size,
              gsize *out_map_len)
{
  long page = sysconf (_SC_PAGESIZE);
  gsize map_len;
  void *map;

  if (page <= 0)
    page = 4096;
  map_len = (size + (gsize) page - 1) / (gsize) page * (gsize) page;
  map = mmap (NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED)
    {
      *out_map_len = 0;
      return g_malloc0 (size);
    }
  /* Best effort: RLIMIT_MEMLOCK may be tiny, and that is no reason to fail. */
  (void) mlock (map, map_len);
#ifdef MADV_DONTDUMP
  (void) madvise (map, map_len, MADV_DONTDUMP);
#endif
  *out_map_len = map_len;
  return map;
}

ChainSecret *
chain_secret_new (const void *data,
                  gsize       len)
{
  ChainSecret *self;

  g_return_val_if_fail (len <= CHAIN_SECRET_MAX_LEN, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  self = g_new0 (ChainSecret, 1);
  self->data = secret_alloc (len + 1, &self->map_len);
  if (len > 0)
    memcpy (self->data, data, len);
  self->data[len] = '\0';
  self->len = len;
  return self;
}

ChainSecret *
chain_secret_new_random (void)
{
  static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  guint8 random_bytes[CHAIN_SECRET_RANDOM_LEN];
  char text[CHAIN_SECRET_RANDOM_LEN];
  ChainSecret *self;

  /* RAND_bytes only fails without an entropy source; nothing is safe then. */
  if (RAND_bytes (random_bytes, sizeof random_bytes) != 1)
    g_error ("no entropy for a random passphrase");
  /* 256 is 4 * 57 + 28, so taking bytes modulo 57 would bias some
   * characters; rejecting values >= 228 keeps the choice uniform. */
  for (gsize i = 0, filled = 0; filled < sizeof text; i++)
    {
      if (i == sizeof random_bytes)
        {
          if (RAND_bytes (random_bytes, sizeof random_bytes) != 1)
            g_error ("no entropy for a random passphrase");
          i = 0;
        }
      if (random_bytes[i] < 228)
        text[filled++] = alphabet[random_bytes[i] % 57];
    }
  self = chain_secret_new (text, sizeof text);
  OPENSSL_cleanse (random_bytes, sizeof random_bytes);
  OPENSSL_cleanse (text, sizeof text);
  return self;
}

const guint8 *
chain_secret_get_data (const ChainSecret *self,
                       gsize             *out_len)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (out_len != NULL)
    *out_len = self->len;
  return self->data;
}

void
chain_secret_free (ChainSecret *self)
{
  if (self == NULL)
    return;

  OPENSSL_cleanse (self->data, self->len + 1);
  if (self->map_len > 0)
    {
      (void) munlock (self->data, self->map_len);
      munmap (self->data, self->map_len);
    }
  else
    {
      g_free (self->data);
    }
  g_free (self);
}

/* Where a secret came from, for check_secret()'s messages. */
typedef enum {
  SECRET_FROM_FILE,
  SECRET_FROM_ENV,
  SECRET_FROM_TERMINAL,
} SecretSource;

/* Checks a secret's bytes; @from and @name (the file's path or the
 * variable's name; unused for the terminal) say where they came from. */
static gboolean
check_secret (const guint8  *data,
              gsize          len,
              SecretSource   from,
              const char    *name,
              GError       **error)
{
  if (len == 0)
    {
      if (from == SECRET_FROM_TERMINAL)
        g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                             _("empty secret from the terminal: give a non-empty one"));
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     from == SECRET_FROM_FILE ? _("empty secret from %s: give a non-empty one")
                                              : _("empty secret from environment variable %s: give a non-empty one"),
                     name);
      return FALSE;
    }
  if (len > CHAIN_SECRET_MAX_LEN)
    {
      if (from == SECRET_FROM_TERMINAL)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     _("secret from the terminal is longer than %d bytes: use a shorter one"),
                     CHAIN_SECRET_MAX_LEN);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     from == SECRET_FROM_FILE ? _("secret from %s is longer than %d bytes: use a shorter one")
                                              : _("secret from environment variable %s is longer than %d bytes: use a shorter one"),
                     name, CHAIN_SECRET_MAX_LEN);
      return FALSE;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      if (from == SECRET_FROM_TERMINAL)
        g_set_error_literal (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                             _("secret from the terminal contains a NUL byte: use text only"));
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                     from == SECRET_FROM_FILE ? _("secret from %s contains a NUL byte: use text only")
                                              : _("secret from environment variable %s contains a NUL byte: use text only"),
                     name);
      return FALSE;
    }
  return TRUE;
}

/* Length of the first line of @buf without its "\n" or "\r\n". */
static gsize
first_line_length (const guint8 *buf,
                   gsize         len)
{
  const guint8 *newline = memchr (buf, '\n', len);
  gsize line = newline != NULL ? (gsize) (newline - buf) : len;

  if (line > 0 && buf[line - 1] == '\r')
    line--;
  return line;
}

ChainSecret *
chain_secret_new_from_file (const char *path,
                            GError    **error)
{
  /* Room for the longest secret, "\r\n", and one byte to detect more. */
  guint8 buf[CHAIN_SECRET_MAX_LEN + 3];
  ChainSecret *secret = NULL;
  struct stat st;
  gsize len = 0;
  gsize line;
  int fd;
  int saved;

  g_return_val_if_fail (path != NULL, NULL);

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      saved = errno;
      if (saved == ENOENT)
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                     _("secret file %s does not exist: check the path"), path);
      else
        g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                     _("cannot open %s: %s"), path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0)
    {
      saved = errno;
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("cannot inspect %s: %s"), path, g_strerror (saved));
      return NULL;
    }
  /* Pipes are fine: scripts pass secrets as <(command). */
  if (!S_ISREG (st.st_mode) && !S_ISFIFO (st.st_mode))
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                   _("%s is not a regular file: give a file holding the secret"), path);
      return NULL;
    }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    {
      close (fd);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INSECURE,
                   _("%s is open to group or others: chmod 600 %s"), path, path);
      return NULL;
    }

  /* Only the first line counts; stop reading once it is complete. */
  while (len < sizeof buf && memchr (buf, '\n', len) == NULL)
    {
      ssize_t n = read (fd, buf + len, sizeof buf - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved = errno;
          close (fd);
          OPENSSL_cleanse (buf, sizeof buf);
          g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                       _("cannot read %s: %s"), path, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      len += (gsize) n;
    }
  close (fd);

  line = first_line_length (buf, len);
  if (check_secret (buf, line, SECRET_FROM_FILE, path, error))
    secret = chain_secret_new (buf, line);
  OPENSSL_cleanse (buf, sizeof buf);
  return secret;
}

ChainSecret *
chain_secret_new_from_env (const char *variable,
                           GError    **error)
{
  const char *value;

  g_return_val_if_fail (variable != NULL, NULL);

  value = g_getenv (variable);
  if (value == NULL)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("environment variable %s is not set: export it with the secret"),
                   variable);
      return NULL;
    }
  if (!check_secret ((const guint8 *) value, strlen (value), SECRET_FROM_ENV, variable, error))
    return NULL;
  return chain_secret_new (value, strlen (value));
}

static gboolean
write_string (int         fd,
              const char *text)
{
  gsize len = strlen (text);

  while (len > 0)
    {
      ssize_t n = write (fd, text, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      text += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Signals that would otherwise kill the process with echo still off. They
 * are caught while the prompt is up, then re-raised once the terminal is
 * restored, so the process still dies (or stops) as it should. */
static const int prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
static volatile sig_atomic_t prompt_signal_caught;

static void
prompt_signal_handler (int signum)
{
  prompt_signal_caught = signum;
}

ChainSecret *
chain_secret_new_from_terminal (const char *prompt,
                                GError    **error)
{
  guint8 buf[CHAIN_SECRET_MAX_LEN + 1];
  struct sigaction saved_actions[G_N_ELEMENTS (prompt_signals)];
  struct sigaction action;
  ChainSecret *secret = NULL;
  struct termios saved_mode;
  struct termios quiet_mode;
  gboolean restore = FALSE;
  gboolean too_long = FALSE;
  gboolean read_failed = FALSE;
  gsize len = 0;
  gsize i;
  int caught;
  int saved = 0;
  int fd;

  fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_NOT_FOUND,
                   _("no terminal to ask for the secret on: use a passphrase file or environment variable"));
      return NULL;
    }

  /* No SA_RESTART: a signal must interrupt read() so we get to restore. */
  memset (&action, 0, sizeof action);
  action.sa_handler = prompt_signal_handler;
  sigemptyset (&action.sa_mask);
  prompt_signal_caught = 0;
  for (i = 0; i < G_N_ELEMENTS (prompt_signals); i++)
    {
      /* Leave ignored signals ignored (nohup, background jobs). */
      sigaction (prompt_signals[i], NULL, &saved_actions[i]);
      if (saved_actions[i].sa_handler != SIG_IGN)
        sigaction (prompt_signals[i], &action, NULL);
    }

  if (tcgetattr (fd, &saved_mode) == 0)
    {
      quiet_mode = saved_mode;
      quiet_mode.c_lflag &= ~(tcflag_t) (ECHO | ECHOE | ECHOK);
      quiet_mode.c_lflag |= ECHONL | ICANON;
      restore = tcsetattr (fd, TCSAFLUSH, &quiet_mode) == 0;
    }

  if (prompt != NULL)
    (void) write_string (fd, prompt);

  /* One byte at a time so nothing after the line is consumed; the kernel
   * hands over the line only once it is complete anyway. */
  while (prompt_signal_caught == 0)
    {
      guint8 c;
      ssize_t n = read (fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved = errno;
          read_failed = TRUE;
          break;
        }
      if (n == 0 || c == '\n')
        break;
      if (len < sizeof buf)
        buf[len++] = c;
      else
        too_long = TRUE;
    }

  if (restore)
    (void) tcsetattr (fd, TCSAFLUSH, &saved_mode);
  close (fd);

  caught = prompt_signal_caught;
  for (i = 0; i < G_N_ELEMENTS (prompt_signals); i++)
    sigaction (prompt_signals[i], &saved_actions[i], NULL);
  if (caught != 0)
    {
      OPENSSL_cleanse (buf, sizeof buf);
      /* Deliver it as if we had never caught it. */
      raise (caught);
      g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                   _("reading from the terminal was interrupted: try again"));
      return NULL;
    }

  if (len > 0 && buf[len - 1] == '\r')
    len--;

  if (read_failed)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_IO,
                 _("cannot read from the terminal: %s"), g_strerror (saved));
  else if (too_long)
    g_set_error (error, CHAIN_ERROR, CHAIN_ERROR_INVALID_INPUT,
                 _("secret from the terminal is longer than %d bytes: use a shorter one"),
                 CHAIN_SECRET_MAX_LEN);
  else if (check_secret (buf, len, SECRET_FROM_TERMINAL, NULL, error))
    secret = chain_secret_new (buf, len);

  OPENSSL_cleanse (buf, sizeof buf);
  return secret;
}
