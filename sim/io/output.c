/* sim/io/output.c - writing a run's output files.
 *
 * Removing an old regular file before writing the new one is what keeps a
 * rerun off the disk: rerunning bench/chain-mesh.json onto its own 128 MB
 * access log spent 63 ms closing the truncated file (ext4's auto_da_alloc
 * writes it back) and 61 ms in the next output's fsync, which waited for
 * that write-back; writing the log into the page cache took 40-50 ms.
 * g_file_set_contents only fsyncs when the file already exists, so a
 * removed file is not fsynced either.  The price is that an old file is
 * gone, not overwritten: a hard link to it keeps the old text, and a
 * reader holding it open keeps reading the old run.  Dropping the old
 * file's pages still takes time (10-40 ms for the 128 MB log), so a file
 * written as the run goes is opened beside the old one and renamed over
 * it by the caller, who can do that on a thread of its own.
 */
#include "sim/io/output.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

/* Removes path if it is a regular file.  Returns TRUE if it exists and
 * is something else, to be written through. */
static gboolean
remove_old (const char *path)
{
  GStatBuf st;
  if (g_lstat (path, &st) != 0)
    return FALSE;
  if (!S_ISREG (st.st_mode))
    return TRUE;
  g_unlink (path);
  return FALSE;
}

static void
set_error (GError **error, const char *path, int saved)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot write %s: %s", path,
               g_strerror (saved));
}

static FILE *
open_through (const char *path, GError **error)
{
  FILE *file = fopen (path, "w");
  if (file == NULL)
    set_error (error, path, errno);
  return file;
}

FILE *
ms_output_open (const char *path, char **replace, GError **error)
{
  g_return_val_if_fail (path != NULL && replace != NULL, NULL);
  *replace = NULL;
  GStatBuf st;
  if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return open_through (path, error);
  /* A previous run's file: the new one is written beside it. */
  g_autofree char *temp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (temp, O_WRONLY, 0666);
  if (fd < 0)
    {
      set_error (error, path, errno);
      return NULL;
    }
  FILE *file = fdopen (fd, "w");
  if (file == NULL)
    {
      set_error (error, path, errno);
      close (fd);
      g_unlink (temp);
      return NULL;
    }
  *replace = g_steal_pointer (&temp);
  return file;
}

gboolean
ms_output_save (const char *path, const char *text, gsize length, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  /* g_file_set_contents would rename a new file over a device or a link:
   * as root, over /dev/null itself. */
  if (!remove_old (path))
    return g_file_set_contents (path, text, (gssize) length, error);
  FILE *file = open_through (path, error);
  if (file == NULL)
    return FALSE;
  gboolean ok = fwrite (text, 1, length, file) == length;
  int saved = errno;
  if (fclose (file) != 0 && ok)
    {
      ok = FALSE;
      saved = errno;
    }
  if (!ok)
    set_error (error, path, saved);
  return ok;
}
