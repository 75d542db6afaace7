/* sim/io/node.h - one document tree for JSON and YAML, with positions.
 *
 * Every input meshsim reads (scenario files, Kubernetes manifests, inline
 * resources) becomes a tree of MsNode, whatever its syntax.  JSON is parsed
 * by a small hand-written parser, YAML by libyaml; both record the file,
 * line and column of every node so that any later error can point at the
 * exact place ("scenario.json:14:9: workloads.reviews-v2.concurrency: ...").
 * json-glib is not used here because it forgets positions once parsing ends.
 *
 * Scalars keep their source text and whether they were quoted, so that a
 * YAML `"80"` stays a string while `80` is a number, exactly as Kubernetes
 * reads them.  Objects keep their members in source order; duplicate keys
 * are an error (Kubernetes' strict decoding rejects them too).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MS_NODE_ERROR (ms_node_error_quark ())
GQuark ms_node_error_quark (void);

typedef enum {
  MS_NODE_ERROR_SYNTAX,      /* not well-formed JSON or YAML */
  MS_NODE_ERROR_DUPLICATE,   /* the same key twice in one object */
  MS_NODE_ERROR_IO,          /* the file could not be read */
  MS_NODE_ERROR_TOO_LARGE,   /* nesting deeper than MS_NODE_MAX_DEPTH */
} MsNodeError;

/* Deeper nesting than this is refused rather than risking the stack. */
#define MS_NODE_MAX_DEPTH 64

typedef enum {
  MS_NODE_NULL,
  MS_NODE_BOOL,
  MS_NODE_NUMBER,
  MS_NODE_STRING,
  MS_NODE_ARRAY,
  MS_NODE_OBJECT,
} MsNodeKind;

typedef struct _MsNode MsNode;

struct _MsNode {
  MsNodeKind kind;
  const char *file;   /* interned; never freed */
  int line;           /* 1-based */
  int column;         /* 1-based */
  MsNode *parent;     /* NULL for a document root */
  char *key;          /* member name when the parent is an object */
  int key_line;       /* where that name is written (0 for array items) */
  int key_column;
  int index;          /* position when the parent is an array, else -1 */

  /* Scalars: the text as written (unescaped for quoted strings).  For
   * MS_NODE_BOOL, "true" or "false"; for MS_NODE_NULL, "null". */
  char *text;
  gboolean boolean;
  double number;
  gboolean is_integer;  /* a number written without fraction or exponent */
  gint64 integer;       /* valid when is_integer */

  /* Arrays and objects: children in source order.  For objects each child
   * carries its key. */
  GPtrArray *children;  /* (element-type MsNode) owned */
};

void ms_node_free (MsNode *node);

/* Parse text as JSON into one tree.  file names the source for positions.
 * Returns (transfer full) the root, or NULL with MS_NODE_ERROR set; the
 * message starts with "file:line:column: ". */
MsNode *ms_node_parse_json (const char *text, gssize length, const char *file,
                            GError **error);

/* Parse text as YAML (every document of a multi-document stream).  Returns
 * (transfer full) a GPtrArray of roots, one per non-empty document, or NULL
 * with MS_NODE_ERROR set.  Anchors and aliases are expanded; tags other
 * than the core ones (!!str, !!int, ...) are an error. */
GPtrArray *ms_node_parse_yaml (const char *text, gssize length, const char *file,
                               GError **error);

/* Read a file and parse it by its extension: .json as JSON, .yaml/.yml as
 * YAML; anything else is tried as JSON when its first non-blank character
 * is '{' or '[', else as YAML.  Returns (transfer full) the documents. */
GPtrArray *ms_node_load_file (const char *path, GError **error);

/* Member of an object by key, or NULL (transfer none). */
MsNode *ms_node_get (const MsNode *object, const char *key);

/* The dotted path from the root, e.g. "workloads.reviews-v2.routes[0].calls";
 * "" for a root.  (transfer full) */
char *ms_node_path (const MsNode *node);

/* A short human name for a kind: "an object", "a string", ... */
const char *ms_node_kind_name (MsNodeKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsNode, ms_node_free)

G_END_DECLS
