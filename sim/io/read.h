/* sim/io/read.h - reading typed fields out of MsNode trees, with errors
 * that point at the place and say how to fix it.
 *
 * Every reader of scenario input (the scenario loader, the manifest loader,
 * each model's options) goes through these helpers, so that every message
 * has the same shape:
 *
 *   scenario.json:14:9: workloads.reviews-v2.concurrency: expected a
 *   positive integer, found "ten"
 *
 * and unknown fields are caught with a suggestion ("did you mean
 * 'replicas'?").  Optional fields are reported as absent by returning TRUE
 * and leaving the output untouched, so callers set defaults first.
 */
#pragma once

#include <glib.h>

#include "sim/core/dist.h"
#include "sim/core/sim.h"
#include "sim/io/node.h"

G_BEGIN_DECLS

#define MS_SCENARIO_ERROR (ms_scenario_error_quark ())
GQuark ms_scenario_error_quark (void);

typedef enum {
  MS_SCENARIO_ERROR_TYPE,        /* wrong JSON/YAML type */
  MS_SCENARIO_ERROR_UNKNOWN_FIELD,
  MS_SCENARIO_ERROR_MISSING,     /* a required field is absent */
  MS_SCENARIO_ERROR_VALUE,       /* right type, wrong value */
  MS_SCENARIO_ERROR_REFERENCE,   /* names something that does not exist */
  MS_SCENARIO_ERROR_CYCLE,       /* calls that call themselves */
  MS_SCENARIO_ERROR_UNSUPPORTED, /* valid, but meshsim does not do it (yet) */
  MS_SCENARIO_ERROR_TOO_LARGE,   /* beyond meshsim's limits */
} MsScenarioError;

/* Sets error in MS_SCENARIO_ERROR with "file:line:column: path: " before the
 * formatted message.  Always returns FALSE, so callers can
 * `return ms_read_fail (...)`. */
gboolean ms_read_fail (GError **error, const MsNode *node, MsScenarioError code,
                       const char *format, ...) G_GNUC_PRINTF (4, 5);

/* The same, pointing at where node's member name is written rather than at
 * its value (for unknown fields). */
gboolean ms_read_fail_key (GError **error, const MsNode *node, MsScenarioError code,
                           const char *format, ...) G_GNUC_PRINTF (4, 5);

/* Appends to an error a hint from the did-you-mean search.  Returns the
 * closest candidate to word (edit distance at most a third of its length,
 * at least 1, at most 3), or NULL.  (transfer none) */
const char *ms_read_suggest (const char *word, const char *const *candidates);

/* Fails if node is not an object, or has a member not in allowed (a
 * NULL-terminated list), naming the closest allowed field. */
gboolean ms_read_object (const MsNode *node, const char *const *allowed, GError **error);

/* Fails if node is not of kind, with "expected <what>". */
gboolean ms_read_expect (const MsNode *node, MsNodeKind kind, GError **error);

/* Member readers: if key is absent, they fail when required, else return
 * TRUE leaving *out as it was.  A null value counts as absent. */
gboolean ms_read_string (const MsNode *object, const char *key, gboolean required,
                         const char **out, GError **error);
gboolean ms_read_bool (const MsNode *object, const char *key, gboolean required,
                       gboolean *out, GError **error);
/* An integer within [min, max]. */
gboolean ms_read_int (const MsNode *object, const char *key, gboolean required,
                      gint64 min, gint64 max, gint64 *out, GError **error);
/* A number within [min, max]. */
gboolean ms_read_number (const MsNode *object, const char *key, gboolean required,
                         double min, double max, double *out, GError **error);
/* A duration in Istio's syntax ("250ms", "1.5s", "1m30s"), >= 0. */
gboolean ms_read_duration (const MsNode *object, const char *key, gboolean required,
                           MsTime *out, GError **error);
/* The same for a node itself. */
gboolean ms_read_duration_node (const MsNode *node, MsTime *out, GError **error);
/* A latency: a duration (fixed) or {"dist": ..., ...}. */
gboolean ms_read_dist (const MsNode *object, const char *key, gboolean required,
                       MsDist *out, GError **error);
/* An enum-like string out of choices (NULL-terminated); *out is its index. */
gboolean ms_read_choice (const MsNode *object, const char *key, gboolean required,
                         const char *const *choices, int *out, GError **error);
/* A member that must be an object or an array; NULL when absent. */
gboolean ms_read_child (const MsNode *object, const char *key, MsNodeKind kind,
                        gboolean required, const MsNode **out, GError **error);

/* Writes a node as compact JSON (request and response bodies). */
void ms_node_write_json (const MsNode *node, GString *out);

/* Parses a duration string on its own.  On failure sets a message without
 * position (callers add it).  Accepts a sequence of <number><unit> with
 * units h, m, s, ms, us, µs, ns (ns rounded up to a microsecond). */
gboolean ms_duration_parse (const char *text, MsTime *out, GError **error);

/* Formats a duration the way Istio writes one: "250ms", "1.5s", "2m".
 * (transfer full) */
char *ms_duration_format (MsTime duration);

G_END_DECLS
