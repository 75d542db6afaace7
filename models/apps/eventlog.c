/* models/apps/eventlog.c - the event log: streams, positions, expected
 * versions and idempotent ids.
 *
 * Events sit in one array indexed by position - 1, so reading $all from a
 * checkpoint is a slice.  Each stream is an array of positions, so
 * reading a stream is a slice too; a hash table finds a stream by name and
 * an event by id.  Nothing is ever removed (no scavenging, no deletes):
 * the log of one run fits in memory, and that is the point of a log.
 */
#include "models/apps/eventlog.h"

#include <json-glib/json-glib.h>

#include "models/apps/pattern.h"

typedef struct {
  char *name;
  GArray *positions;     /* guint64, in version order */
} Stream;

struct _MsEventLog {
  GPtrArray *events;     /* MsRecordedEvent *, owned, index position - 1 */
  GHashTable *streams;   /* name -> Stream *, owned */
  GHashTable *ids;       /* event id -> MsRecordedEvent * */
  guint n_streams;
};

static void
event_free (gpointer data)
{
  MsRecordedEvent *e = data;
  g_free (e->stream);
  g_free (e->event_id);
  g_free (e->type);
  g_free (e->data);
  g_free (e);
}

static void
stream_free (gpointer data)
{
  Stream *s = data;
  g_free (s->name);
  g_array_unref (s->positions);
  g_free (s);
}

MsEventLog *
ms_event_log_new (void)
{
  MsEventLog *log = g_new0 (MsEventLog, 1);
  log->events = g_ptr_array_new_with_free_func (event_free);
  log->streams = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, stream_free);
  log->ids = g_hash_table_new (g_str_hash, g_str_equal);
  return log;
}

void
ms_event_log_free (MsEventLog *log)
{
  if (log == NULL)
    return;
  g_hash_table_unref (log->ids);
  g_hash_table_unref (log->streams);
  g_ptr_array_unref (log->events);
  g_free (log);
}

guint64
ms_event_log_head (const MsEventLog *log)
{
  return log->events->len;
}

const MsRecordedEvent *
ms_event_log_get (const MsEventLog *log, guint64 position)
{
  g_return_val_if_fail (position >= 1 && position <= log->events->len, NULL);
  return log->events->pdata[position - 1];
}

guint64
ms_event_log_version (const MsEventLog *log, const char *stream)
{
  Stream *s = g_hash_table_lookup (log->streams, stream);
  return s ? s->positions->len : 0;
}

guint
ms_event_log_n_streams (const MsEventLog *log)
{
  return log->n_streams;
}

static gboolean
version_matches (MsExpectedVersion expected, guint64 actual)
{
  switch (expected.kind)
    {
    case MS_EXPECTED_ANY:
      return TRUE;
    case MS_EXPECTED_NO_STREAM:
      return actual == 0;
    case MS_EXPECTED_STREAM_EXISTS:
      return actual > 0;
    case MS_EXPECTED_EXACT:
      return actual == expected.version;
    default:
      g_assert_not_reached ();
    }
}

/* Stores one event (the caller checked everything). */
static MsRecordedEvent *
store (MsEventLog *log, Stream **stream, const char *name, const char *event_id,
       const char *type, const char *data, MsTime now)
{
  if (*stream == NULL)
    {
      *stream = g_new0 (Stream, 1);
      (*stream)->name = g_strdup (name);
      (*stream)->positions = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_hash_table_insert (log->streams, (*stream)->name, *stream);
      log->n_streams++;
    }
  MsRecordedEvent *e = g_new0 (MsRecordedEvent, 1);
  e->position = log->events->len + 1;
  e->stream = g_strdup (name);
  e->version = (*stream)->positions->len + 1;
  e->event_id = event_id ? g_strdup (event_id)
                         : g_strdup_printf ("%s@%" G_GUINT64_FORMAT, name, e->version);
  e->type = g_strdup (type);
  e->data = g_strdup (data ? data : "{}");
  e->appended_at = now;
  g_ptr_array_add (log->events, e);
  g_array_append_val ((*stream)->positions, e->position);
  g_hash_table_insert (log->ids, e->event_id, e);
  return e;
}

MsAppendResult
ms_event_log_append (MsEventLog *log, const char *stream, MsExpectedVersion expected,
                     const MsEventData *events, guint n, MsTime now)
{
  MsAppendResult result = { 0 };
  g_return_val_if_fail (n >= 1, result);
  Stream *s = g_hash_table_lookup (log->streams, stream);
  guint64 actual = s ? s->positions->len : 0;

  /* Ids first: a retried batch is answered as it was the first time,
   * before its (now stale) expected version is looked at. */
  guint seen = 0;
  const MsRecordedEvent *first = NULL, *last = NULL;
  for (guint i = 0; i < n; i++)
    {
      const MsRecordedEvent *old = events[i].event_id
                                   ? g_hash_table_lookup (log->ids, events[i].event_id) : NULL;
      if (old == NULL)
        continue;
      if (!g_str_equal (old->stream, stream))
        {
          result.status = MS_APPEND_BAD_ID;
          return result;
        }
      seen++;
      first = first ? first : old;
      last = old;
    }
  for (guint i = 0; i + 1 < n && seen == 0; i++)
    for (guint j = i + 1; j < n; j++)
      if (events[i].event_id && events[j].event_id
          && g_str_equal (events[i].event_id, events[j].event_id))
        {
          result.status = MS_APPEND_BAD_ID;
          return result;
        }
  if (seen == n)
    {
      result.status = MS_APPEND_DUPLICATE;
      result.first_position = first->position;
      result.last_position = last->position;
      result.version = actual;
      return result;
    }
  if (seen > 0)
    {
      result.status = MS_APPEND_BAD_ID;
      return result;
    }
  if (!version_matches (expected, actual))
    {
      result.status = MS_APPEND_WRONG_VERSION;
      result.actual = actual;
      return result;
    }
  for (guint i = 0; i < n; i++)
    {
      MsRecordedEvent *e = store (log, &s, stream, events[i].event_id, events[i].type,
                                  events[i].data, now);
      if (i == 0)
        result.first_position = e->position;
      result.last_position = e->position;
    }
  result.status = MS_APPEND_OK;
  result.version = s->positions->len;
  return result;
}

GPtrArray *
ms_event_log_read_stream (const MsEventLog *log, const char *stream, guint64 from,
                          guint64 count, gboolean backward)
{
  GPtrArray *out = g_ptr_array_new ();
  Stream *s = g_hash_table_lookup (log->streams, stream);
  if (s == NULL || count == 0)
    return out;
  guint64 length = s->positions->len;
  if (backward)
    {
      guint64 v = from == 0 || from > length ? length : from;
      for (; v >= 1 && out->len < count; v--)
        g_ptr_array_add (out, log->events->pdata[g_array_index (s->positions, guint64, v - 1) - 1]);
    }
  else
    {
      for (guint64 v = MAX (from, 1); v <= length && out->len < count; v++)
        g_ptr_array_add (out, log->events->pdata[g_array_index (s->positions, guint64, v - 1) - 1]);
    }
  return out;
}

/* The lab's timestamps, in simulated time from a fixed epoch (so the same
 * run writes the same bytes). */
static void
write_timestamp (MsTime at, GString *out)
{
  g_autoptr (GDateTime) epoch = g_date_time_new_utc (2024, 1, 1, 0, 0, 0);
  g_autoptr (GDateTime) t = g_date_time_add (epoch, at);
  g_autofree char *text = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");
  g_string_append_printf (out, "\"%s.%03dZ\"", text, (int) ((at / 1000) % 1000));
}

void
ms_recorded_event_write (const MsRecordedEvent *e, GString *out)
{
  g_string_append_printf (out, "{\"position\":%" G_GUINT64_FORMAT ",\"event_id\":", e->position);
  ms_pattern_append_string (out, e->event_id);
  g_string_append (out, ",\"aggregate_id\":");
  ms_pattern_append_string (out, e->stream);
  g_string_append (out, ",\"event_type\":");
  ms_pattern_append_string (out, e->type);
  g_string_append_printf (out, ",\"version\":%" G_GUINT64_FORMAT ",\"timestamp\":", e->version);
  write_timestamp (e->appended_at, out);
  g_string_append_printf (out, ",\"appended_at_us\":%" G_GINT64_FORMAT ",\"data\":%s}",
                          e->appended_at, e->data);
}

void
ms_event_log_write_jsonl (const MsEventLog *log, GString *out)
{
  for (guint i = 0; i < log->events->len; i++)
    {
      ms_recorded_event_write (log->events->pdata[i], out);
      g_string_append_c (out, '\n');
    }
}

/* An integer member; FALSE when absent or not an integer. */
static gboolean
get_int (JsonObject *o, const char *name, gint64 *out)
{
  JsonNode *member = json_object_get_member (o, name);
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (member);
  return TRUE;
}

static gboolean
bad_line (GError **error, guint line, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "line %u: %s", line, what);
  return FALSE;
}

gboolean
ms_event_log_read_jsonl (MsEventLog *log, const char *text, GError **error)
{
  g_return_val_if_fail (log->events->len == 0, FALSE);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint number = 0;
  for (char **l = lines; *l; l++)
    {
      number++;
      if (**l == '\0')
        continue;
      g_autoptr (GError) local = NULL;
      g_autoptr (JsonNode) node = json_from_string (*l, &local);
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        return bad_line (error, number, "not a JSON object");
      JsonObject *o = json_node_get_object (node);
      gboolean bad = FALSE;
      const char *id = ms_pattern_member_string (o, "event_id", &bad);
      const char *stream = ms_pattern_member_string (o, "aggregate_id", &bad);
      const char *type = ms_pattern_member_string (o, "event_type", &bad);
      JsonNode *data = json_object_get_member (o, "data");
      gint64 position, version, at;
      if (bad || id == NULL || stream == NULL || type == NULL || data == NULL
          || !get_int (o, "position", &position) || !get_int (o, "version", &version)
          || !get_int (o, "appended_at_us", &at))
        return bad_line (error, number, "an event needs position, event_id, aggregate_id, "
                                        "event_type, version, appended_at_us and data");
      if ((guint64) position != log->events->len + 1)
        return bad_line (error, number, "positions must be 1, 2, 3 ... in order");
      Stream *s = g_hash_table_lookup (log->streams, stream);
      if ((guint64) version != (s ? s->positions->len : 0) + 1)
        return bad_line (error, number, "versions of a stream must be 1, 2, 3 ... in order");
      if (g_hash_table_contains (log->ids, id))
        return bad_line (error, number, "event_id used twice");
      if (log->events->len > 0
          && at < ((MsRecordedEvent *) log->events->pdata[log->events->len - 1])->appended_at)
        return bad_line (error, number, "appended_at_us must not go back in time");
      g_autofree char *json = json_to_string (data, FALSE);
      store (log, &s, stream, id, type, json, at);
    }
  return TRUE;
}
