/* models/apps/eventlog.h - an append-only event log with streams, as
 * EventStoreDB keeps one (reference section 3).
 *
 * Every event belongs to one stream (an aggregate: "user-7") and has two
 * numbers: its version within the stream (1, 2, 3 ...; the lab's
 * numbering, where ESDB counts revisions from 0) and its global position
 * in the log ($all), 1, 2, 3 ... strictly increasing across streams and
 * never reused.  Position 0 means "before the first event", so it is the
 * checkpoint of a subscriber that has seen nothing.  A stream's version is
 * the version of its last event, 0 when the stream does not exist.
 *
 * Appends are atomic batches guarded by an expected version:
 *   any            always
 *   no_stream      the stream must not exist (version 0)
 *   stream_exists  the stream must have at least one event
 *   N              the stream's version must be exactly N (N = 0 is
 *                  no_stream)
 * A mismatch writes nothing and reports the actual version.  Event ids
 * are idempotency keys: a batch whose ids are all already in the stream
 * is answered with the events stored before and changes nothing, whatever
 * its expected version (ESDB's "appended in quick succession", with the
 * window unlimited).  A batch that repeats only some ids, or an id used
 * in another stream, is refused.
 *
 * The log lives in memory and is the state of one event-store Deployment;
 * it knows nothing of HTTP (models/apps/eventstore.c serves it).
 */
#pragma once

#include <glib.h>

#include "sim/core/sim.h"

G_BEGIN_DECLS

typedef struct {
  guint64 position;      /* global, from 1 */
  char *stream;          /* the aggregate id */
  guint64 version;       /* within the stream, from 1 */
  char *event_id;
  char *type;
  char *data;            /* compact JSON text, "{}" when none */
  MsTime appended_at;    /* virtual time of the append */
} MsRecordedEvent;

typedef enum {
  MS_EXPECTED_ANY,
  MS_EXPECTED_NO_STREAM,
  MS_EXPECTED_STREAM_EXISTS,
  MS_EXPECTED_EXACT,
} MsExpectedKind;

typedef struct {
  MsExpectedKind kind;
  guint64 version;       /* for MS_EXPECTED_EXACT */
} MsExpectedVersion;

/* One event of a batch to append.  event_id may be NULL: the log then
 * makes one ("<stream>@<version>"). */
typedef struct {
  const char *event_id;
  const char *type;
  const char *data;
} MsEventData;

typedef enum {
  MS_APPEND_OK,
  MS_APPEND_DUPLICATE,          /* every id was there: nothing written */
  MS_APPEND_WRONG_VERSION,      /* nothing written; see actual */
  MS_APPEND_BAD_ID,             /* some ids repeat, or belong elsewhere */
} MsAppendStatus;

typedef struct {
  MsAppendStatus status;
  guint64 first_position;       /* of the batch (OK, DUPLICATE) */
  guint64 last_position;
  guint64 version;              /* the stream's version after the batch */
  guint64 actual;               /* the stream's version (WRONG_VERSION) */
} MsAppendResult;

typedef struct _MsEventLog MsEventLog;

MsEventLog *ms_event_log_new (void);
void ms_event_log_free (MsEventLog *log);

/* Appends events[0 .. n) to stream at time now.  n must be at least 1. */
MsAppendResult ms_event_log_append (MsEventLog *log, const char *stream,
                                    MsExpectedVersion expected, const MsEventData *events,
                                    guint n, MsTime now);

/* The position of the last event, 0 when empty. */
guint64 ms_event_log_head (const MsEventLog *log);

/* The event at position (1 .. head).  (transfer none) */
const MsRecordedEvent *ms_event_log_get (const MsEventLog *log, guint64 position);

/* A stream's version, 0 when it does not exist. */
guint64 ms_event_log_version (const MsEventLog *log, const char *stream);

/* Streams in the order they were created. */
guint ms_event_log_n_streams (const MsEventLog *log);

/* Reads up to count events of stream starting at version from (inclusive),
 * forwards, or backwards (from 0 means from the end).  (transfer
 * container) of const MsRecordedEvent *; empty for a missing stream. */
GPtrArray *ms_event_log_read_stream (const MsEventLog *log, const char *stream,
                                     guint64 from, guint64 count, gboolean backward);

/* Writes the log as JSON Lines, one event per line, in position order. */
void ms_event_log_write_jsonl (const MsEventLog *log, GString *out);

/* Appends the events of a JSON Lines text written by write_jsonl to an
 * empty log, keeping their positions, versions, ids and times.  FALSE
 * with error (G_IO_ERROR_INVALID_DATA, naming the line) when a line is
 * not such an event, or positions or versions do not follow on. */
gboolean ms_event_log_read_jsonl (MsEventLog *log, const char *text, GError **error);

/* Appends one event as the JSON object the event store's API uses. */
void ms_recorded_event_write (const MsRecordedEvent *event, GString *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsEventLog, ms_event_log_free)

G_END_DECLS
