/* sim/io/report.h - the run's report as an ordered tree, and its writers.
 *
 * Models fill the tree at the end of a run; this module writes it as JSON
 * (`--format json`, the contract in SCENARIO.md) or as text tables, and
 * looks values up by dotted path for expectations.  Members keep the order
 * they were added in, and numbers are written with a fixed format, so the
 * same run gives the same bytes.  A double is written with at most three
 * decimals (latencies in milliseconds: microsecond resolution).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsReport MsReport;
typedef struct _MsReportNode MsReportNode;

MsReport *ms_report_new (void);
void ms_report_free (MsReport *report);

MsReportNode *ms_report_root (MsReport *report);

/* The object member key of parent, created empty if absent.
 * (transfer none) */
MsReportNode *ms_report_object (MsReportNode *parent, const char *key);
/* An array member, created empty if absent, and appending to one. */
MsReportNode *ms_report_array (MsReportNode *parent, const char *key);
MsReportNode *ms_report_append_object (MsReportNode *array);
void ms_report_append_double (MsReportNode *array, double value);

/* Scalars: set (replace) a member. */
void ms_report_set_int (MsReportNode *parent, const char *key, gint64 value);
void ms_report_set_double (MsReportNode *parent, const char *key, double value);
void ms_report_set_string (MsReportNode *parent, const char *key, const char *value);
void ms_report_set_bool (MsReportNode *parent, const char *key, gboolean value);
/* Adds to an integer member, creating it at 0. */
void ms_report_add_int (MsReportNode *parent, const char *key, gint64 delta);

/* Lookup by dotted path ("traffic.jason.latency_ms.p50").  A key that is
 * itself dotted can be matched too: at each level the longest member name
 * that matches the remaining path wins.  (transfer none) or NULL */
const MsReportNode *ms_report_find (const MsReport *report, const char *path);
/* TRUE and the value when node is a number. */
gboolean ms_report_number (const MsReportNode *node, double *out);
/* Member names of an object node, in order (for suggestions).
 * (transfer container) */
GPtrArray *ms_report_keys (const MsReportNode *node);
/* The deepest node reached by path, and how much of it matched:
 * for error messages ("no 'trafic' under the report"). */
const MsReportNode *ms_report_find_prefix (const MsReport *report, const char *path,
                                           gsize *matched);

/* Kind and children, for writers that walk the tree (text tables). */
typedef enum {
  MS_REPORT_OBJECT,
  MS_REPORT_ARRAY,
  MS_REPORT_INT,
  MS_REPORT_DOUBLE,
  MS_REPORT_STRING,
  MS_REPORT_BOOL,
} MsReportKind;

MsReportKind ms_report_kind (const MsReportNode *node);
guint ms_report_n_children (const MsReportNode *node);
const MsReportNode *ms_report_child (const MsReportNode *node, guint i, const char **key);
const MsReportNode *ms_report_get (const MsReportNode *node, const char *key);
gint64 ms_report_get_int (const MsReportNode *node, const char *key);
double ms_report_get_double (const MsReportNode *node, const char *key);
const char *ms_report_get_string (const MsReportNode *node, const char *key);

/* Writes the report as indented JSON with a trailing newline. */
void ms_report_write_json (const MsReport *report, GString *out);
/* A number as the report writes it ("12", "0.25", "1.5"). */
void ms_report_format_double (double value, GString *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsReport, ms_report_free)

G_END_DECLS
