/* sim/io/output.h - writing a run's output files.
 *
 * Every file a run writes (the report, the HTML page, telemetry, the event
 * log) goes through here, so that all of them treat an existing path the
 * same way:
 *
 * - a regular file left by a previous run is removed first, not truncated
 *   or fsynced: the outputs are made again by running again, and replacing
 *   a file in place made a rerun wait for the disk (ext4 writes a file
 *   truncated to zero back when it is closed, and g_file_set_contents
 *   fsyncs a file that existed);
 * - anything else (a device such as /dev/null, a pipe, a symbolic link
 *   such as /dev/stdout) is written through, never removed or renamed
 *   over.
 *
 * Errors are G_FILE_ERROR, with the path in the message.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Writes length bytes of text as the whole file: a regular file is
 * written aside and renamed into place. */
gboolean ms_output_save (const char *path, const char *text, gsize length, GError **error);

/* Opens path for writing as it goes (the access log), or NULL; the caller
 * fcloses it.  If a regular file is at path already, the new one is opened
 * beside it and *replace is set to its name (transfer full), else to NULL:
 * the caller then renames *replace over path, when it likes, because
 * removing the old file takes time (see output.c).  (transfer full) */
FILE *ms_output_open (const char *path, char **replace, GError **error);

G_END_DECLS
