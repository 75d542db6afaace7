/* models/apps/saga-log.c - saga records as folds of their event streams.
 *
 * The events are stored in an MsEventLog, the event store's own log
 * (models/apps/eventlog.h): one stream per saga, named by the saga's id,
 * each event's fields as JSON data, appended with the stream's exact
 * expected version.  So the saga log has the event store's guarantees
 * (optimistic concurrency, global positions) because it is one.
 *
 * Records are kept beside it, in start order in an array (for listing and
 * the report) and indexed by id and by business key, each with its
 * history decoded, so that the orchestrator and the API never parse JSON
 * to read a record.  That costs memory twice over for the whole run
 * (about 300 bytes an event, ten to twenty events a saga);
 * ms_saga_log_replay rebuilds a record from the stored JSON alone, which
 * is what shows that the store holds everything.
 */
#include "models/apps/saga-log.h"

#include <json-glib/json-glib.h>

struct _MsSagaLog {
  GPtrArray *records;      /* MsSagaRecord *, owned, in start order */
  GHashTable *by_id;       /* id -> record */
  GHashTable *by_key;      /* business key -> record */
  MsEventLog *events;      /* the streams, as the event store keeps them */
};

static const char *const state_names[] = {
  "STARTED", "RUNNING", "COMPENSATING", "COMPLETED", "COMPENSATED", "FAILED",
};

static const char *const event_names[] = {
  "SagaStarted", "StepScheduled", "StepCompleted", "StepFailed", "StepTimedOut",
  "CompensationRequested", "CompensationScheduled", "CompensationCompleted",
  "CompensationFailed", "SagaCompleted", "SagaCompensated", "SagaFailed",
  "ReleaseScheduled", "Released", "ReleaseFailed", "SagaResumed", "SagaWaiting",
};

const char *
ms_saga_state_name (MsSagaState state)
{
  g_return_val_if_fail (state <= MS_SAGA_FAILED, NULL);
  return state_names[state];
}

gboolean
ms_saga_state_is_final (MsSagaState state)
{
  return state >= MS_SAGA_COMPLETED;
}

const char *
ms_saga_event_type_name (MsSagaEventType type)
{
  g_return_val_if_fail (type <= MS_SAGA_EVENT_WAITING, NULL);
  return event_names[type];
}

static void
event_free (gpointer data)
{
  MsSagaEvent *event = data;
  g_free (event->detail);
  g_free (event->key);
  g_free (event->user);
  g_free (event);
}

static MsSagaRecord *
record_new (const char *id)
{
  MsSagaRecord *record = g_new0 (MsSagaRecord, 1);
  record->id = g_strdup (id);
  record->step = -1;
  record->failed_step = -1;
  record->failed_compensation = -1;
  record->history = g_ptr_array_new_with_free_func (event_free);
  return record;
}

void
ms_saga_record_free (MsSagaRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->key);
  g_free (record->user);
  g_free (record->failure);
  g_free (record->last_request_id);
  g_ptr_array_unref (record->history);
  g_free (record);
}

MsSagaLog *
ms_saga_log_new (void)
{
  MsSagaLog *log = g_new0 (MsSagaLog, 1);
  log->records = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_saga_record_free);
  log->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  log->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  log->events = ms_event_log_new ();
  return log;
}

void
ms_saga_log_free (MsSagaLog *log)
{
  if (log == NULL)
    return;
  g_hash_table_unref (log->by_id);
  g_hash_table_unref (log->by_key);
  g_ptr_array_unref (log->records);
  ms_event_log_free (log->events);
  g_free (log);
}

static void
set_string (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

void
ms_saga_record_apply (MsSagaRecord *r, const MsSagaEvent *e)
{
  guint32 bit = e->step >= 0 ? 1u << e->step : 0;
  switch (e->type)
    {
    case MS_SAGA_EVENT_STARTED:
      r->state = MS_SAGA_STARTED;
      set_string (&r->key, e->key);
      set_string (&r->user, e->user);
      r->amount = e->amount;
      r->items = e->items;
      r->started_at = e->at;
      break;
    case MS_SAGA_EVENT_STEP_SCHEDULED:
      r->state = MS_SAGA_RUNNING;
      r->step = e->step;
      r->attempt = e->attempt;
      set_string (&r->last_request_id, e->detail);
      break;
    case MS_SAGA_EVENT_STEP_COMPLETED:
      r->completed |= bit;
      break;
    case MS_SAGA_EVENT_STEP_FAILED:
    case MS_SAGA_EVENT_STEP_TIMED_OUT:
      if (e->final)
        {
          r->failed_step = e->step;
          set_string (&r->failure, e->detail);
          if (e->compensate)
            r->ambiguous |= bit;
        }
      break;
    case MS_SAGA_EVENT_COMPENSATION_REQUESTED:
      r->compensation_requested = TRUE;
      set_string (&r->failure, e->detail);
      break;
    case MS_SAGA_EVENT_COMPENSATION_SCHEDULED:
      r->state = MS_SAGA_COMPENSATING;
      r->step = e->step;
      r->attempt = e->attempt;
      r->compensation_attempts++;
      set_string (&r->last_request_id, e->detail);
      break;
    case MS_SAGA_EVENT_COMPENSATION_COMPLETED:
      r->compensated |= bit;
      break;
    case MS_SAGA_EVENT_COMPENSATION_FAILED:
      if (e->final)
        {
          r->compensation_failed |= bit;
          if (r->failed_compensation < 0)
            r->failed_compensation = e->step;
        }
      break;
    case MS_SAGA_EVENT_COMPLETED:
    case MS_SAGA_EVENT_COMPENSATED:
    case MS_SAGA_EVENT_FAILED:
      r->state = e->type == MS_SAGA_EVENT_COMPLETED ? MS_SAGA_COMPLETED
                 : e->type == MS_SAGA_EVENT_COMPENSATED ? MS_SAGA_COMPENSATED : MS_SAGA_FAILED;
      r->ended_at = e->at;
      break;
    case MS_SAGA_EVENT_RELEASE_SCHEDULED:
      set_string (&r->last_request_id, e->detail);
      break;
    case MS_SAGA_EVENT_RELEASED:
      r->released |= bit;
      break;
    case MS_SAGA_EVENT_RELEASE_FAILED:
      if (e->final)
        r->release_failed |= bit;
      break;
    case MS_SAGA_EVENT_RESUMED:
    case MS_SAGA_EVENT_WAITING:
      /* History only: a resume re-sends the command the record already
       * names, and a wait changes nothing until the saga's first step. */
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The stored form: the fields that are not at their defaults, so that a
 * StepCompleted is a few bytes.  Time, position and version are the
 * stored event's own. */
static char *
event_data (const MsSagaEvent *e)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  const char *strings[] = { "detail", e->detail, "key", e->key, "user", e->user };
  for (guint i = 0; i < G_N_ELEMENTS (strings); i += 2)
    if (strings[i + 1] != NULL)
      {
        json_builder_set_member_name (b, strings[i]);
        json_builder_add_string_value (b, strings[i + 1]);
      }
  const char *names[] = { "step", "attempt", "status", "final", "compensate", "amount", "items" };
  gint64 values[] = { e->step, e->attempt, e->status, e->final, e->compensate, e->amount,
                      e->items };
  gint64 defaults[] = { -1, 0, 0, 0, 0, 0, 0 };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (values[i] != defaults[i])
      {
        json_builder_set_member_name (b, names[i]);
        json_builder_add_int_value (b, values[i]);
      }
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* The inverse of event_data, for a stored event.  (transfer full) */
static MsSagaEvent *
event_decode (const MsRecordedEvent *stored)
{
  MsSagaEvent *e = g_new0 (MsSagaEvent, 1);
  e->position = stored->position;
  e->version = (guint) stored->version;
  e->at = stored->appended_at;
  e->step = -1;
  for (guint t = 0; t < G_N_ELEMENTS (event_names); t++)
    if (g_str_equal (event_names[t], stored->type))
      e->type = t;
  g_autoptr (JsonNode) root = json_from_string (stored->data, NULL);
  g_assert (root != NULL && JSON_NODE_HOLDS_OBJECT (root));
  JsonObject *o = json_node_get_object (root);
  e->detail = g_strdup (json_object_get_string_member_with_default (o, "detail", NULL));
  e->key = g_strdup (json_object_get_string_member_with_default (o, "key", NULL));
  e->user = g_strdup (json_object_get_string_member_with_default (o, "user", NULL));
  e->step = (int) json_object_get_int_member_with_default (o, "step", -1);
  e->attempt = (int) json_object_get_int_member_with_default (o, "attempt", 0);
  e->status = (int) json_object_get_int_member_with_default (o, "status", 0);
  e->final = json_object_get_int_member_with_default (o, "final", 0) != 0;
  e->compensate = json_object_get_int_member_with_default (o, "compensate", 0) != 0;
  e->amount = json_object_get_int_member_with_default (o, "amount", 0);
  e->items = json_object_get_int_member_with_default (o, "items", 0);
  return e;
}

gboolean
ms_saga_log_append (MsSagaLog *log, MsSagaRecord *record, guint expected,
                    const MsSagaEvent *event)
{
  g_return_val_if_fail (record != NULL && event != NULL, FALSE);
  g_autofree char *data = event_data (event);
  MsEventData stored = { NULL, ms_saga_event_type_name (event->type), data };
  MsExpectedVersion version = { MS_EXPECTED_EXACT, expected };
  MsAppendResult result = ms_event_log_append (log->events, record->id, version, &stored, 1,
                                               event->at);
  if (result.status != MS_APPEND_OK)
    return FALSE;
  g_assert (result.version == record->history->len + 1);
  MsSagaEvent *copy = g_new (MsSagaEvent, 1);
  *copy = *event;
  copy->detail = g_strdup (event->detail);
  copy->key = g_strdup (event->key);
  copy->user = g_strdup (event->user);
  copy->position = result.first_position;
  copy->version = (guint) result.version;
  g_ptr_array_add (record->history, copy);
  ms_saga_record_apply (record, copy);
  return TRUE;
}

MsSagaRecord *
ms_saga_log_start (MsSagaLog *log, const char *key, const char *user, gint64 amount,
                   gint64 items, MsTime now)
{
  g_return_val_if_fail (key != NULL && user != NULL, NULL);
  g_autofree char *id = g_strdup_printf ("saga-%u", log->records->len + 1);
  MsSagaRecord *record = record_new (id);
  g_ptr_array_add (log->records, record);
  g_hash_table_insert (log->by_id, record->id, record);
  MsSagaEvent started = {
    .type = MS_SAGA_EVENT_STARTED, .at = now, .step = -1,
    .key = (char *) key, .user = (char *) user, .amount = amount, .items = items,
  };
  gboolean ok = ms_saga_log_append (log, record, 0, &started);
  g_assert (ok);
  /* A key names its first saga for good: that is what makes a repeated
   * start find it (reference 7.6, UseExisting). */
  if (!g_hash_table_contains (log->by_key, record->key))
    g_hash_table_insert (log->by_key, record->key, record);
  return record;
}

MsSagaRecord *
ms_saga_log_find (const MsSagaLog *log, const char *id)
{
  return g_hash_table_lookup (log->by_id, id);
}

MsSagaRecord *
ms_saga_log_find_key (const MsSagaLog *log, const char *key)
{
  return g_hash_table_lookup (log->by_key, key);
}

const GPtrArray *
ms_saga_log_records (const MsSagaLog *log)
{
  return log->records;
}

guint64
ms_saga_log_head (const MsSagaLog *log)
{
  return ms_event_log_head (log->events);
}

const MsEventLog *
ms_saga_log_events (const MsSagaLog *log)
{
  return log->events;
}

MsSagaRecord *
ms_saga_log_replay (const MsSagaLog *log, const char *id)
{
  g_return_val_if_fail (log != NULL && id != NULL, NULL);
  if (ms_event_log_version (log->events, id) == 0)
    return NULL;
  MsSagaRecord *record = record_new (id);
  g_autoptr (GPtrArray) stream = ms_event_log_read_stream (log->events, id, 1, G_MAXUINT64,
                                                           FALSE);
  for (guint i = 0; i < stream->len; i++)
    {
      MsSagaEvent *e = event_decode (stream->pdata[i]);
      g_ptr_array_add (record->history, e);
      ms_saga_record_apply (record, e);
    }
  return record;
}

MsSagaRecord *
ms_saga_record_replay (const MsSagaRecord *record)
{
  MsSagaRecord *copy = record_new (record->id);
  for (guint i = 0; i < record->history->len; i++)
    ms_saga_record_apply (copy, record->history->pdata[i]);
  return copy;
}

gboolean
ms_saga_record_equal (const MsSagaRecord *a, const MsSagaRecord *b)
{
  return g_strcmp0 (a->id, b->id) == 0 && g_strcmp0 (a->key, b->key) == 0
         && g_strcmp0 (a->user, b->user) == 0 && a->amount == b->amount
         && a->items == b->items && a->state == b->state && a->step == b->step
         && a->attempt == b->attempt && a->compensation_attempts == b->compensation_attempts
         && a->completed == b->completed && a->ambiguous == b->ambiguous
         && a->compensated == b->compensated
         && a->compensation_failed == b->compensation_failed && a->released == b->released
         && a->release_failed == b->release_failed
         && a->compensation_requested == b->compensation_requested
         && a->failed_step == b->failed_step && a->failed_compensation == b->failed_compensation
         && g_strcmp0 (a->failure, b->failure) == 0
         && g_strcmp0 (a->last_request_id, b->last_request_id) == 0
         && a->started_at == b->started_at && a->ended_at == b->ended_at;
}
