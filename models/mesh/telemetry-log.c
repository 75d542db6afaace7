/* models/mesh/telemetry-log.c - the access log: Istio's default TEXT
 * format, one line per proxy per request, written by a thread of its own.
 *
 * The run formats each line straight into a chunk, without printf; the
 * parts that depend only on the report's path are made once per path
 * (ms_telemetry_path_log_pieces).  Full chunks go to the writer thread in
 * order, so the file holds the same bytes as writing inline would.  What
 * is logged and when is decided in telemetry.c; this file only formats
 * and writes.
 */
#include "models/mesh/telemetry-private.h"

#include <errno.h>
#include <glib/gstdio.h>

/* The writer thread's loop. */
static gpointer
log_write_chunks (gpointer data)
{
  MsTelemetry *t = data;
  /* The spare chunks' first touch is 768 page faults: here, not on the
   * run's thread, which fills the first chunk meanwhile. */
  for (int i = 1; i < LOG_CHUNKS; i++)
    {
      memset (t->log_chunks[i].data, 0, t->log_chunks[i].size);
      g_async_queue_push (t->log_empty, &t->log_chunks[i]);
    }
  /* Replacing the previous run's log drops its pages from the cache,
   * 10-40 ms for the bench chain's: here, while the run goes on. */
  if (t->log_replace != NULL && g_rename (t->log_replace, t->outputs.access_log) != 0)
    {
      t->log_error = errno;
      g_unlink (t->log_replace);
    }
  for (;;)
    {
      gpointer item = g_async_queue_pop (t->log_full);
      if (item == t)
        return NULL;
      LogChunk *chunk = item;
      if (t->log_error == 0 && fwrite (chunk->data, 1, chunk->used, t->access_file) != chunk->used)
        t->log_error = errno != 0 ? errno : EIO;
      chunk->used = 0;
      g_async_queue_push (t->log_empty, chunk);
    }
}

void
ms_telemetry_log_start (MsTelemetry *t)
{
  /* The chunks are the buffer: stdio's own would split every chunk into
   * two writes (fill its buffer, write that, then the rest). */
  setvbuf (t->access_file, NULL, _IONBF, 0);
  t->log_full = g_async_queue_new ();
  t->log_empty = g_async_queue_new ();
  for (int i = 0; i < LOG_CHUNKS; i++)
    {
      t->log_chunks[i].size = LOG_CHUNK;
      t->log_chunks[i].data = g_malloc (LOG_CHUNK);
    }
  t->log_chunk = &t->log_chunks[0];
  t->log_writer = g_thread_new ("access-log", log_write_chunks, t);
}

/* Hands the last lines to the writer, waits for it and closes the file.
 * FALSE with an error if a write failed. */
gboolean
ms_telemetry_log_finish (MsTelemetry *t, GError **error)
{
  if (t->access_file == NULL)
    return TRUE;
  if (t->log_chunk->used > 0)
    g_async_queue_push (t->log_full, t->log_chunk);
  t->log_chunk = NULL;
  /* The telemetry itself, never a chunk, stops the writer. */
  g_async_queue_push (t->log_full, t);
  g_thread_join (g_steal_pointer (&t->log_writer));
  int saved = t->log_error;
  if (fclose (g_steal_pointer (&t->access_file)) != 0 && saved == 0)
    saved = errno;
  if (saved == 0)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot write %s: %s",
               t->outputs.access_log, g_strerror (saved));
  return FALSE;
}

/* The access log: Istio's default TEXT format, one line per proxy per
 * request.  Addresses are made up but stable: one per pod. */
void
ms_telemetry_pod_address (const MsPod *pod, char *buf, gsize size)
{
  if (pod == NULL)
    {
      g_strlcpy (buf, "-", size);
      return;
    }
  guint h = g_str_hash (pod->name) ^ (pod->namespace_ ? g_str_hash (pod->namespace_) : 0);
  g_snprintf (buf, size, "10.%u.%u.%u:%d", (h >> 16) & 0xff, (h >> 8) & 0xff, (h & 0xfe) + 1,
              80);
}

/* Istio's default format:
 * [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
 * %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%
 * %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"
 * %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
 * "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
 * "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
 * %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME%
 * %ROUTE_NAME%
 * The fields that depend on the path only are made here, once per path:
 * from %RESPONSE_CODE% to "%UPSTREAM_TRANSPORT_FAILURE_REASON%" (the
 * outcome), and from "%REQ(:AUTHORITY)%" to the end (the tail). */
void
ms_telemetry_path_log_pieces (Path *path, const MsTelemetryRecord *r)
{
  char flags[64], up[32], down[32], local[32];
  ms_telemetry_pod_address (r->source ? r->server : r->proxy, up, sizeof up);
  ms_telemetry_pod_address (r->source ? r->proxy : r->client, down, sizeof down);
  ms_telemetry_pod_address (r->proxy, local, sizeof local);
  const char *details = r->details ? r->details
                        : r->status == 0 ? "upstream_reset_before_response_started"
                        : (r->flags & MS_FLAG_NR) ? "route_not_found"
                        : r->flags ? "local_reply" : "via_upstream";
  path->log_outcome = g_strdup_printf ("%d %s %s - \"-\" ", r->status,
                                       ms_response_flags_format (r->flags, flags), details);
  path->log_outcome_length = strlen (path->log_outcome);
  path->log_tail = g_strdup_printf ("\"%s\" \"%s\" %s %s %s %s - %s\n", r->request->host,
                                    r->server ? up : "-", r->cluster ? r->cluster : "-",
                                    r->server ? local : "-", r->source ? up : local, down,
                                    r->source ? "default" : "-");
  path->log_tail_length = strlen (path->log_tail);
  path->log_upstream_time = r->server != NULL && r->status != 0;
}

/* A line is written straight into the chunk, its room reserved once,
 * because going through GString per field cost more than the rest of the
 * run (600,000 lines of 23 fields for the bench chain).  The chunk goes to
 * the writer when the next line might not fit. */
static char *
log_room (MsTelemetry *t, gsize most)
{
  LogChunk *chunk = t->log_chunk;
  if (chunk->used + most > chunk->size)
    {
      if (chunk->used > 0)
        {
          g_async_queue_push (t->log_full, chunk);
          chunk = t->log_chunk = g_async_queue_pop (t->log_empty);
        }
      if (most > chunk->size)
        {
          chunk->size = most;
          chunk->data = g_realloc (chunk->data, most);
        }
    }
  return chunk->data + chunk->used;
}
/* value as exactly width digits, zero-padded. */
static char *
put_digits (char *p, gint64 value, int width)
{
  for (int i = width - 1; i >= 0; i--, value /= 10)
    p[i] = (char) ('0' + value % 10);
  return p + width;
}

/* %START_TIME% as 1970-01-01T00:00:00.000Z (the run starts at the Unix
 * epoch).  Lines come in completion order, so most share their second with
 * the line before, and the text up to the second is kept. */
#define CLOCK_LENGTH 24
static char *
put_time (MsTelemetry *t, char *p, MsTime time)
{
  gint64 ms = time / 1000;
  gint64 s = ms / 1000;
  if (s != t->log_second)
    {
      char *c = t->log_clock;
      c = put_literal (c, "1970-01-01T");
      c = put_digits (c, (s / 3600) % 24, 2);
      *c++ = ':';
      c = put_digits (c, (s / 60) % 60, 2);
      *c++ = ':';
      c = put_digits (c, s % 60, 2);
      *c = '.';
      t->log_second = s;
    }
  p = put (p, t->log_clock, sizeof t->log_clock);
  p = put_digits (p, ms % 1000, 3);
  *p++ = 'Z';
  return p;
}

/* A quoted request header's value, or "-". */
static const char *
header_or_dash (const MsRequest *q, const char *name)
{
  const char *value = ms_request_header (q, name);
  return value ? value : "-";
}

void
ms_telemetry_log_line (MsTelemetry *t, const Path *path, const MsTelemetryRecord *r)
{
  const MsRequest *q = r->request;
  const char *agent = header_or_dash (q, "user-agent");
  const char *id = header_or_dash (q, "x-request-id");
  gsize method = strlen (q->method), target = strlen (q->path);
  gsize agent_length = strlen (agent), id_length = strlen (id);
  /* Room for the strings, the time, four numbers and the fixed text
   * between them (30 bytes; 64 leaves a margin). */
  gsize most = method + target + agent_length + id_length + path->log_outcome_length
               + path->log_tail_length + CLOCK_LENGTH + 4 * INT_DIGITS + 64;
  char *start = log_room (t, most);
  char *p = start;
  gint64 duration_ms = (r->end - r->start) / 1000;
  *p++ = '[';
  p = put_time (t, p, r->start);
  p = put_literal (p, "] \"");
  p = put (p, q->method, method);
  *p++ = ' ';
  p = put (p, q->path, target);
  p = put_literal (p, " HTTP/1.1\" ");
  p = put (p, path->log_outcome, path->log_outcome_length);
  p = put_int (p, r->request_bytes);
  *p++ = ' ';
  p = put_int (p, r->response_bytes);
  *p++ = ' ';
  p = put_int (p, duration_ms);
  *p++ = ' ';
  if (path->log_upstream_time)
    p = put_int (p, duration_ms);
  else
    *p++ = '-';
  p = put_literal (p, " \"-\" \"");
  p = put (p, agent, agent_length);
  p = put_literal (p, "\" \"");
  p = put (p, id, id_length);
  p = put_literal (p, "\" ");
  p = put (p, path->log_tail, path->log_tail_length);
  g_assert (p <= start + most);
  t->log_chunk->used = p - t->log_chunk->data;
}
