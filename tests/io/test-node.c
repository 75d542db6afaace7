/* tests/io/test-node.c - tests for the MsNode tree and its two parsers.
 *
 * The good-input tests pin down what the tree looks like: kinds, texts,
 * numbers, positions, paths, and the YAML rules Kubernetes users rely on
 * ("80" is a string, 80 a number).  The bad-input tests are tables, one
 * test case per row, in the manner of json-glib's tests/invalid.c: each
 * row names the error code, the position the message must start with,
 * and a fragment that the message must contain, so that a vague message
 * fails as surely as a crash does.
 */
#include "sim/io/node.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- Helpers ----------------------------------------------------------- */

static MsNode *
parse_json_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  MsNode *root = ms_node_parse_json (text, -1, "test.json", &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

static GPtrArray *
parse_yaml_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *documents = ms_node_parse_yaml (text, -1, "test.yaml", &error);

  g_assert_no_error (error);
  g_assert_nonnull (documents);
  return documents;
}

/* The only document of a YAML text. */
static MsNode *
parse_yaml_one (const char *text)
{
  g_autoptr(GPtrArray) documents = parse_yaml_ok (text);

  g_assert_cmpuint (documents->len, ==, 1);
  return g_ptr_array_steal_index (documents, 0);
}

static MsNode *
member (const MsNode *object, const char *key)
{
  MsNode *node;

  g_assert_nonnull (object);
  g_assert_cmpint (object->kind, ==, MS_NODE_OBJECT);
  node = ms_node_get (object, key);
  g_assert_nonnull (node);
  return node;
}

static MsNode *
element (const MsNode *array, guint index)
{
  g_assert_nonnull (array);
  g_assert_cmpint (array->kind, ==, MS_NODE_ARRAY);
  g_assert_cmpuint (index, <, array->children->len);
  return g_ptr_array_index (array->children, index);
}

static void
assert_position (const MsNode *node, int line, int column)
{
  g_assert_cmpint (node->line, ==, line);
  g_assert_cmpint (node->column, ==, column);
}

static void
assert_path (const MsNode *node, const char *expected)
{
  g_autofree char *path = ms_node_path (node);

  g_assert_cmpstr (path, ==, expected);
}

static void
assert_integer (const MsNode *node, gint64 value)
{
  g_assert_cmpint (node->kind, ==, MS_NODE_NUMBER);
  g_assert_true (node->is_integer);
  g_assert_cmpint (node->integer, ==, value);
  g_assert_cmpfloat (node->number, ==, (double) value);
}

static void
assert_string (const MsNode *node, const char *text)
{
  g_assert_cmpint (node->kind, ==, MS_NODE_STRING);
  g_assert_cmpstr (node->text, ==, text);
}

/* Every child points back at its parent with the right key or index. */
static void
assert_links (const MsNode *node)
{
  if (node->children == NULL)
    return;
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = g_ptr_array_index (node->children, i);

      g_assert_true (child->parent == node);
      g_assert_cmpstr (child->file, ==, node->file);
      if (node->kind == MS_NODE_ARRAY)
        {
          g_assert_cmpint (child->index, ==, (int) i);
          g_assert_null (child->key);
        }
      else
        {
          g_assert_cmpint (child->index, ==, -1);
          g_assert_nonnull (child->key);
        }
      assert_links (child);
    }
}

/* ---- The tree ---------------------------------------------------------- */

static void
test_kind_name (void)
{
  g_test_summary ("Kind names read well after 'expected' and 'found'.");
  g_assert_cmpstr (ms_node_kind_name (MS_NODE_NULL), ==, "null");
  g_assert_cmpstr (ms_node_kind_name (MS_NODE_BOOL), ==, "a boolean");
  g_assert_cmpstr (ms_node_kind_name (MS_NODE_NUMBER), ==, "a number");
  g_assert_cmpstr (ms_node_kind_name (MS_NODE_STRING), ==, "a string");
  g_assert_cmpstr (ms_node_kind_name (MS_NODE_ARRAY), ==, "an array");
  g_assert_cmpstr (ms_node_kind_name (MS_NODE_OBJECT), ==, "an object");
}

static void
test_path (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *calls;

  g_test_summary ("Paths are dotted keys and [index]; keys with dots or empty "
                  "keys are written [\"key\"].");
  root = parse_json_ok ("{\"workloads\": {\"reviews-v2\": {\"routes\": [{\"calls\": [1]}]}},"
                        " \"metadata\": {\"annotations\": {\"sidecar.istio.io/inject\": \"true\","
                        " \"\": 1, \"a\\\"b\": 2}}}");
  assert_path (root, "");
  assert_path (member (root, "workloads"), "workloads");
  calls = member (element (member (member (member (root, "workloads"), "reviews-v2"),
                                   "routes"), 0), "calls");
  assert_path (calls, "workloads.reviews-v2.routes[0].calls");
  assert_path (element (calls, 0), "workloads.reviews-v2.routes[0].calls[0]");
  assert_path (member (member (member (root, "metadata"), "annotations"), "sidecar.istio.io/inject"),
               "metadata.annotations[\"sidecar.istio.io/inject\"]");
  assert_path (member (member (member (root, "metadata"), "annotations"), ""),
               "metadata.annotations[\"\"]");
  assert_path (member (member (member (root, "metadata"), "annotations"), "a\"b"),
               "metadata.annotations[\"a\\\"b\"]");
}

static void
test_path_root_array (void)
{
  g_test_summary ("A path under a root array starts with its index.");

  g_autoptr(MsNode) root = parse_json_ok ("[[0, {\"x\": 1}]]");
  assert_path (element (root, 0), "[0]");
  assert_path (member (element (element (root, 0), 1), "x"), "[0][1].x");
}

static void
test_get (void)
{
  g_test_summary ("ms_node_get finds members by key, and returns NULL for "
                  "missing keys and for nodes that are not objects.");

  g_autoptr(MsNode) root = parse_json_ok ("{\"a\": 1, \"b\": [2]}");
  assert_integer (ms_node_get (root, "a"), 1);
  g_assert_null (ms_node_get (root, "c"));
  g_assert_null (ms_node_get (ms_node_get (root, "b"), "a"));
  g_assert_null (ms_node_get (ms_node_get (root, "a"), "a"));
}

/* ---- JSON: good input -------------------------------------------------- */

static void
test_json_scalars (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *node;

  g_test_summary ("Each JSON scalar gets its kind, text and value.");
  root = parse_json_ok ("[null, true, false, 42, -7, 1.5, \"hi\", 2e3, -0]");
  assert_links (root);
  g_assert_null (root->text);
  g_assert_null (root->parent);
  g_assert_cmpint (root->index, ==, -1);
  g_assert_cmpstr (root->file, ==, "test.json");
  g_assert_true (root->file == g_intern_string ("test.json"));

  node = element (root, 0);
  g_assert_cmpint (node->kind, ==, MS_NODE_NULL);
  g_assert_cmpstr (node->text, ==, "null");
  g_assert_null (node->children);
  node = element (root, 1);
  g_assert_cmpint (node->kind, ==, MS_NODE_BOOL);
  g_assert_true (node->boolean);
  g_assert_cmpstr (node->text, ==, "true");
  node = element (root, 2);
  g_assert_cmpint (node->kind, ==, MS_NODE_BOOL);
  g_assert_true (!node->boolean);
  g_assert_cmpstr (node->text, ==, "false");
  assert_integer (element (root, 3), 42);
  g_assert_cmpstr (element (root, 3)->text, ==, "42");
  assert_integer (element (root, 4), -7);
  node = element (root, 5);
  g_assert_cmpint (node->kind, ==, MS_NODE_NUMBER);
  g_assert_true (!node->is_integer);
  g_assert_cmpfloat (node->number, ==, 1.5);
  g_assert_cmpstr (node->text, ==, "1.5");
  assert_string (element (root, 6), "hi");
  node = element (root, 7);
  g_assert_true (!node->is_integer);
  g_assert_cmpfloat (node->number, ==, 2000.0);
  g_assert_cmpstr (node->text, ==, "2e3");
  assert_integer (element (root, 8), 0);
  g_assert_cmpstr (element (root, 8)->text, ==, "-0");
}

static void
test_json_numbers (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *node;

  g_test_summary ("Integers are exact up to gint64; bigger ones stay numbers; "
                  "underflow is zero, not an error.");
  root = parse_json_ok ("[9007199254740993, 9223372036854775807, -9223372036854775808,"
                        " 9223372036854775808, 1e-400, 0.25E+2]");
  g_assert_cmpint (element (root, 0)->integer, ==, G_GINT64_CONSTANT (9007199254740993));
  assert_integer (element (root, 1), G_MAXINT64);
  assert_integer (element (root, 2), G_MININT64);
  node = element (root, 3);
  g_assert_cmpint (node->kind, ==, MS_NODE_NUMBER);
  g_assert_true (!node->is_integer);
  g_assert_cmpfloat (node->number, ==, 9223372036854775808.0);
  g_assert_cmpfloat (element (root, 4)->number, ==, 0.0);
  g_assert_cmpfloat (element (root, 5)->number, ==, 25.0);
}

static void
test_json_strings (void)
{
  g_autoptr(MsNode) root = NULL;

  g_test_summary ("All JSON escapes, including surrogate pairs, become UTF-8.");
  root = parse_json_ok ("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u4E2D\", "
                        "\"\\ud83d\\ude00\", \"caf\xc3\xa9\", \"\"]");
  assert_string (element (root, 0), "\"\\/\b\f\n\r\t");
  assert_string (element (root, 1), "\xc3\xa9\xe4\xb8\xad");
  assert_string (element (root, 2), "\xf0\x9f\x98\x80");
  assert_string (element (root, 3), "caf\xc3\xa9");
  assert_string (element (root, 4), "");
}

static void
test_json_positions (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *workloads, *reviews;

  g_test_summary ("Every node records the line and column of its first "
                  "character; columns count characters, not bytes.");
  root = parse_json_ok ("{\n"
                        "  \"workloads\": {\n"
                        "    \"reviews\": {\"replicas\": 3,\n"
                        "                \"tags\": [\"a\", [], {}]},\n"
                        "    \"\xc3\xa9t\xc3\xa9\": \"\xc3\xa9\", \"n\": null\n"
                        "  }\r\n"
                        "}\n");
  assert_links (root);
  assert_position (root, 1, 1);
  workloads = member (root, "workloads");
  assert_position (workloads, 2, 16);
  reviews = member (workloads, "reviews");
  assert_position (reviews, 3, 16);
  assert_position (member (reviews, "replicas"), 3, 29);
  assert_position (member (reviews, "tags"), 4, 25);
  assert_position (element (member (reviews, "tags"), 0), 4, 26);
  assert_position (element (member (reviews, "tags"), 1), 4, 31);
  assert_position (element (member (reviews, "tags"), 2), 4, 35);
  /* "été" is three characters but five bytes. */
  assert_position (member (workloads, "\xc3\xa9t\xc3\xa9"), 5, 12);
  assert_position (member (workloads, "n"), 5, 22);
}

static void
test_json_empty_containers (void)
{
  g_test_summary ("Empty objects and arrays still have a children array.");

  g_autoptr(MsNode) root = parse_json_ok ("{\"a\": {}, \"b\": []}");
  g_assert_nonnull (member (root, "a")->children);
  g_assert_cmpuint (member (root, "a")->children->len, ==, 0);
  g_assert_nonnull (member (root, "b")->children);
  g_assert_cmpuint (member (root, "b")->children->len, ==, 0);
}

static char *
nested_arrays (int depth)
{
  GString *text = g_string_new (NULL);

  for (int i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (int i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

static void
test_json_depth_limit (void)
{
  g_test_summary ("MS_NODE_MAX_DEPTH nested containers are allowed, one more is not.");

  g_autofree char *deepest = nested_arrays (MS_NODE_MAX_DEPTH);
  g_autofree char *too_deep = nested_arrays (MS_NODE_MAX_DEPTH + 1);
  g_autoptr(MsNode) root = NULL;
  g_autoptr(MsNode) refused = NULL;
  g_autoptr(GError) error = NULL;

  root = parse_json_ok (deepest);
  refused = ms_node_parse_json (too_deep, -1, "deep.json", &error);
  g_assert_null (refused);
  g_assert_error (error, MS_NODE_ERROR, MS_NODE_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==, "deep.json:1:65: nesting deeper than 64 levels");
}

static void
test_json_length_and_bom (void)
{
  g_autoptr(MsNode) prefix = NULL;
  g_autoptr(MsNode) bom = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("An explicit length is honoured (no NUL needed), and a "
                  "leading byte order mark is skipped without counting a column.");
  prefix = ms_node_parse_json ("[1, 2]garbage", 6, "test.json", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (prefix->children->len, ==, 2);
  bom = parse_json_ok ("\xef\xbb\xbf{\"a\": 1}");
  assert_position (bom, 1, 1);
  assert_position (member (bom, "a"), 1, 7);
}

/* ---- JSON: bad input --------------------------------------------------- */

typedef struct {
  const char *name;
  const char *input;
  MsNodeError code;
  int line;
  int column;
  const char *fragment;   /* must appear in the message */
} BadInput;

#define TEN_OPEN "[[[[[[[[[["
#define HUNDRED_OPEN TEN_OPEN TEN_OPEN TEN_OPEN TEN_OPEN TEN_OPEN \
                     TEN_OPEN TEN_OPEN TEN_OPEN TEN_OPEN TEN_OPEN

static const BadInput bad_json[] = {
  { "empty", "", MS_NODE_ERROR_SYNTAX, 1, 1, "empty document" },
  { "blank", "  \n  ", MS_NODE_ERROR_SYNTAX, 2, 3, "empty document" },
  { "unterminated-string", "\n  \"abc", MS_NODE_ERROR_SYNTAX, 2, 3, "unterminated string" },
  { "bad-escape", "\"a\\qb\"", MS_NODE_ERROR_SYNTAX, 1, 4, "expected an escape" },
  { "escape-at-end", "\"a\\", MS_NODE_ERROR_SYNTAX, 1, 4, "found end of input" },
  { "short-unicode-escape", "\"\\u12\"", MS_NODE_ERROR_SYNTAX, 1, 6, "4 hex digits" },
  { "lone-high-surrogate", "\"\\ud800\"", MS_NODE_ERROR_SYNTAX, 1, 2, "lone surrogate \\uD800" },
  { "lone-low-surrogate", "\"x\\udc00\"", MS_NODE_ERROR_SYNTAX, 1, 3, "lone surrogate \\uDC00" },
  { "high-then-not-low", "\"\\ud800\\u0041\"", MS_NODE_ERROR_SYNTAX, 1, 2, "low surrogate" },
  { "nul-escape", "\"a\\u0000\"", MS_NODE_ERROR_SYNTAX, 1, 3, "NUL" },
  { "control-char", "\"a\tb\"", MS_NODE_ERROR_SYNTAX, 1, 3, "control character U+0009" },
  { "newline-in-string", "[\"abc\n\"]", MS_NODE_ERROR_SYNTAX, 1, 6, "control character U+000A" },
  { "invalid-utf8-in-string", "\"a\xff\"", MS_NODE_ERROR_SYNTAX, 1, 3, "invalid UTF-8 byte 0xFF" },
  { "invalid-utf8-value", "\xc3", MS_NODE_ERROR_SYNTAX, 1, 1, "invalid UTF-8" },
  { "trailing-comma-array", "[1, 2,]", MS_NODE_ERROR_SYNTAX, 1, 7, "trailing commas" },
  { "trailing-comma-object", "{\"a\": 1,\n}", MS_NODE_ERROR_SYNTAX, 2, 1, "trailing commas" },
  { "missing-colon", "{\"a\" 1}", MS_NODE_ERROR_SYNTAX, 1, 6, "expected ':' after object key \"a\", found '1'" },
  { "missing-comma-object", "{\"a\": 1\n \"b\": 2}", MS_NODE_ERROR_SYNTAX, 2, 2,
    "expected ',' or '}' after object member, found '\"'" },
  { "missing-comma-array", "[1 2]", MS_NODE_ERROR_SYNTAX, 1, 4, "expected ',' or ']' after array element" },
  { "non-string-key", "{1: 2}", MS_NODE_ERROR_SYNTAX, 1, 2, "expected a string key or '}'" },
  { "mismatched-bracket", "[}", MS_NODE_ERROR_SYNTAX, 1, 2, "expected a value, found '}'" },
  { "unclosed-object", "{\"a\": 1", MS_NODE_ERROR_SYNTAX, 1, 8, "found end of input" },
  { "unclosed-array", "[1,", MS_NODE_ERROR_SYNTAX, 1, 4, "expected a value after ','" },
  { "leading-zero", "01", MS_NODE_ERROR_SYNTAX, 1, 2, "leading zeros" },
  { "lone-minus", "-", MS_NODE_ERROR_SYNTAX, 1, 2, "a digit after '-'" },
  { "minus-letter", "[-x]", MS_NODE_ERROR_SYNTAX, 1, 3, "found 'x'" },
  { "dot-no-digits", "1.", MS_NODE_ERROR_SYNTAX, 1, 3, "a digit after '.'" },
  { "exponent-no-digits", "1e", MS_NODE_ERROR_SYNTAX, 1, 3, "exponent" },
  { "exponent-sign-no-digits", "1e+]", MS_NODE_ERROR_SYNTAX, 1, 4, "exponent" },
  { "leading-dot", ".5", MS_NODE_ERROR_SYNTAX, 1, 1, "expected a value, found '.'" },
  { "leading-plus", "+1", MS_NODE_ERROR_SYNTAX, 1, 1, "expected a value, found '+'" },
  { "out-of-range", "[1e400]", MS_NODE_ERROR_SYNTAX, 1, 2, "out of range" },
  { "capitalised-literal", "True", MS_NODE_ERROR_SYNTAX, 1, 1, "lowercase" },
  { "partial-literal", "[nul]", MS_NODE_ERROR_SYNTAX, 1, 2, "expected a value, found 'nul'" },
  { "literal-with-suffix", "nullx", MS_NODE_ERROR_SYNTAX, 1, 1, "found 'nullx'" },
  { "nan", "NaN", MS_NODE_ERROR_SYNTAX, 1, 1, "found 'NaN'" },
  { "single-quotes", "['a']", MS_NODE_ERROR_SYNTAX, 1, 2, "double quotes" },
  { "comment", "// note\n{}", MS_NODE_ERROR_SYNTAX, 1, 1, "no comments" },
  { "trailing-garbage", "{} x", MS_NODE_ERROR_SYNTAX, 1, 4, "expected end of input after the root value, found 'x'" },
  { "two-roots", "1 2", MS_NODE_ERROR_SYNTAX, 1, 3, "end of input" },
  { "nesting-100", HUNDRED_OPEN, MS_NODE_ERROR_TOO_LARGE, 1, 65, "nesting deeper than 64" },
  { "duplicate-key", "{\"port\": 1,\n \"name\": 2,\n   \"port\": 3}", MS_NODE_ERROR_DUPLICATE, 3, 4,
    "duplicate key \"port\" (first defined at line 1)" },
  { "duplicate-nested-key", "[{\"a\": {\"b\": 1, \"b\": 1}}]", MS_NODE_ERROR_DUPLICATE, 1, 17,
    "duplicate key \"b\"" },
};

static void
test_json_bad (gconstpointer data)
{
  g_test_summary ("Malformed JSON is refused with the right error code, and a "
                  "message that starts with the position and says what is wrong.");

  const BadInput *bad = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MsNode) root = ms_node_parse_json (bad->input, -1, "bad.json", &error);
  g_autofree char *prefix = g_strdup_printf ("bad.json:%d:%d: ", bad->line, bad->column);
  g_autofree char *head = NULL;

  g_assert_null (root);
  g_assert_error (error, MS_NODE_ERROR, (int) bad->code);
  g_test_message ("%s", error->message);
  head = g_strndup (error->message, strlen (prefix));
  g_assert_cmpstr (head, ==, prefix);
  g_assert_nonnull (strstr (error->message, bad->fragment));
}

/* ---- YAML: good input -------------------------------------------------- */

static void
test_yaml_multi_document (void)
{
  g_autoptr(GPtrArray) documents = NULL;
  MsNode *first, *second, *third;

  g_test_summary ("Each non-empty document of a stream is one root; empty "
                  "documents such as the one after a trailing --- are skipped.");
  documents = parse_yaml_ok ("kind: Service\n"
                             "---\n"
                             "---\n"
                             "# just a comment\n"
                             "kind: Deployment\n"
                             "spec: {replicas: 2}\n"
                             "--- ~\n"
                             "---\n"
                             "- a\n"
                             "- b\n"
                             "---\n");
  g_assert_cmpuint (documents->len, ==, 3);
  first = g_ptr_array_index (documents, 0);
  second = g_ptr_array_index (documents, 1);
  third = g_ptr_array_index (documents, 2);
  assert_position (first, 1, 1);
  assert_string (member (first, "kind"), "Service");
  assert_position (second, 5, 1);
  assert_string (member (second, "kind"), "Deployment");
  assert_position (member (member (second, "spec"), "replicas"), 6, 18);
  g_assert_null (second->parent);
  assert_position (third, 9, 1);
  assert_string (element (third, 1), "b");
  assert_position (element (third, 1), 10, 3);
  assert_links (third);
}

static void
test_yaml_empty_stream (void)
{
  g_test_summary ("A stream with no documents is an empty array, not an error.");

  g_autoptr(GPtrArray) empty = parse_yaml_ok ("");
  g_autoptr(GPtrArray) comments = parse_yaml_ok ("# nothing\n\n");
  g_autoptr(GPtrArray) separators = parse_yaml_ok ("---\n---\n...\n");

  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_cmpuint (comments->len, ==, 0);
  g_assert_cmpuint (separators->len, ==, 0);
}

static void
test_yaml_quoted_numbers (void)
{
  g_autoptr(MsNode) root = NULL;

  g_test_summary ("A quoted \"80\" stays a string, plain 80 is a number, as in Kubernetes.");
  root = parse_yaml_one ("plain: 80\n"
                         "double: \"80\"\n"
                         "single: '80'\n"
                         "tagged: !!str 80\n"
                         "block: |\n"
                         "  80\n"
                         "bool: \"true\"\n"
                         "none: 'null'\n");
  assert_integer (member (root, "plain"), 80);
  g_assert_cmpstr (member (root, "plain")->text, ==, "80");
  assert_string (member (root, "double"), "80");
  assert_string (member (root, "single"), "80");
  assert_string (member (root, "tagged"), "80");
  assert_string (member (root, "block"), "80\n");
  assert_string (member (root, "bool"), "true");
  assert_string (member (root, "none"), "null");
}

typedef struct {
  const char *text;
  MsNodeKind kind;
  const char *normalised;   /* expected node->text */
  double number;
  gboolean is_integer;
} PlainScalar;

static void
test_yaml_plain_scalars (void)
{
  static const PlainScalar cases[] = {
    { "~", MS_NODE_NULL, "null", 0, FALSE },
    { "null", MS_NODE_NULL, "null", 0, FALSE },
    { "Null", MS_NODE_NULL, "null", 0, FALSE },
    { "NULL", MS_NODE_NULL, "null", 0, FALSE },
    { "true", MS_NODE_BOOL, "true", 0, FALSE },
    { "True", MS_NODE_BOOL, "true", 0, FALSE },
    { "TRUE", MS_NODE_BOOL, "true", 0, FALSE },
    { "False", MS_NODE_BOOL, "false", 0, FALSE },
    { "0", MS_NODE_NUMBER, "0", 0, TRUE },
    { "-12", MS_NODE_NUMBER, "-12", -12, TRUE },
    { "+3", MS_NODE_NUMBER, "+3", 3, TRUE },
    { "012", MS_NODE_NUMBER, "012", 12, TRUE },
    { "0x1F", MS_NODE_NUMBER, "0x1F", 31, TRUE },
    { "0o17", MS_NODE_NUMBER, "0o17", 15, TRUE },
    { "1.5", MS_NODE_NUMBER, "1.5", 1.5, FALSE },
    { "1e3", MS_NODE_NUMBER, "1e3", 1000, FALSE },
    { ".5", MS_NODE_NUMBER, ".5", 0.5, FALSE },
    { "-1.", MS_NODE_NUMBER, "-1.", -1, FALSE },
    { "yes", MS_NODE_STRING, "yes", 0, FALSE },
    { "on", MS_NODE_STRING, "on", 0, FALSE },
    { "tRUE", MS_NODE_STRING, "tRUE", 0, FALSE },
    { "1_000", MS_NODE_STRING, "1_000", 0, FALSE },
    { "0x", MS_NODE_STRING, "0x", 0, FALSE },
    { "0o8", MS_NODE_STRING, "0o8", 0, FALSE },
    { "1.2.3", MS_NODE_STRING, "1.2.3", 0, FALSE },
    { "10s", MS_NODE_STRING, "10s", 0, FALSE },
    { "-", MS_NODE_STRING, "-", 0, FALSE },
    { "nan", MS_NODE_STRING, "nan", 0, FALSE },
  };

  g_test_summary ("Plain scalars resolve by the YAML 1.2 core schema; "
                  "YAML 1.1 words such as yes and on stay strings.");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("[%s]", cases[i].text);
      g_autoptr(MsNode) root = parse_yaml_one (text);
      MsNode *node = element (root, 0);

      g_test_message ("scalar %s", cases[i].text);
      g_assert_cmpint (node->kind, ==, cases[i].kind);
      g_assert_cmpstr (node->text, ==, cases[i].normalised);
      g_assert_cmpint (node->is_integer, ==, cases[i].is_integer);
      if (cases[i].kind == MS_NODE_NUMBER)
        g_assert_cmpfloat (node->number, ==, cases[i].number);
      if (cases[i].kind == MS_NODE_BOOL)
        g_assert_cmpint (node->boolean, ==, strcmp (cases[i].normalised, "true") == 0);
    }
}

static void
test_yaml_empty_value (void)
{
  g_test_summary ("A key with no value is null; an empty quoted scalar is a string.");

  g_autoptr(MsNode) root = parse_yaml_one ("a:\nb: ''\n");
  g_assert_cmpint (member (root, "a")->kind, ==, MS_NODE_NULL);
  g_assert_cmpstr (member (root, "a")->text, ==, "null");
  assert_string (member (root, "b"), "");
}

static void
test_yaml_tags (void)
{
  g_autoptr(MsNode) root = NULL;

  g_test_summary ("The core tags force a kind.");
  root = parse_yaml_one ("i: !!int \"42\"\n"
                         "f: !!float 1\n"
                         "b: !!bool \"false\"\n"
                         "n: !!null ''\n"
                         "s: !!str true\n"
                         "m: !!map {a: 1}\n"
                         "q: !!seq [1]\n"
                         "x: ! 12\n");
  assert_integer (member (root, "i"), 42);
  g_assert_cmpint (member (root, "f")->kind, ==, MS_NODE_NUMBER);
  g_assert_true (!member (root, "f")->is_integer);
  g_assert_cmpfloat (member (root, "f")->number, ==, 1.0);
  g_assert_cmpint (member (root, "b")->kind, ==, MS_NODE_BOOL);
  g_assert_true (!member (root, "b")->boolean);
  g_assert_cmpint (member (root, "n")->kind, ==, MS_NODE_NULL);
  assert_string (member (root, "s"), "true");
  g_assert_cmpint (member (root, "m")->kind, ==, MS_NODE_OBJECT);
  g_assert_cmpint (member (root, "q")->kind, ==, MS_NODE_ARRAY);
  assert_string (member (root, "x"), "12");
}

static void
test_yaml_block_scalars (void)
{
  g_autoptr(MsNode) root = NULL;

  g_test_summary ("Block scalars are strings and keep (or fold) newlines as written.");
  root = parse_yaml_one ("literal: |\n"
                         "  line one\n"
                         "  line two\n"
                         "folded: >\n"
                         "  one\n"
                         "  two\n"
                         "stripped: |-\n"
                         "  true\n"
                         "kept: |+\n"
                         "  x\n"
                         "\n"
                         "after: 1\n");
  assert_string (member (root, "literal"), "line one\nline two\n");
  assert_position (member (root, "literal"), 1, 10);
  assert_string (member (root, "folded"), "one two\n");
  assert_string (member (root, "stripped"), "true");
  assert_string (member (root, "kept"), "x\n\n");
  assert_integer (member (root, "after"), 1);
}

static void
test_yaml_positions (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *routes;

  g_test_summary ("YAML nodes record 1-based positions of their first character.");
  root = parse_yaml_one ("# header\n"
                         "workloads:\n"
                         "  reviews-v2:\n"
                         "    concurrency: 8\n"
                         "    routes:\n"
                         "      - calls: [ratings, \"details\"]\n"
                         "        weight: 0.5\n"
                         "    \xc3\xa9t\xc3\xa9: x\n");
  assert_links (root);
  assert_position (root, 2, 1);
  assert_position (member (root, "workloads"), 3, 3);
  assert_position (member (member (member (root, "workloads"), "reviews-v2"), "concurrency"), 4, 18);
  routes = member (member (member (root, "workloads"), "reviews-v2"), "routes");
  assert_position (routes, 6, 7);
  assert_position (element (routes, 0), 6, 9);
  assert_position (member (element (routes, 0), "calls"), 6, 16);
  assert_position (element (member (element (routes, 0), "calls"), 1), 6, 26);
  assert_position (member (element (routes, 0), "weight"), 7, 17);
  assert_position (member (member (member (root, "workloads"), "reviews-v2"), "\xc3\xa9t\xc3\xa9"), 8, 10);
  assert_path (element (member (element (routes, 0), "calls"), 1),
               "workloads.reviews-v2.routes[0].calls[1]");
}

static void
test_yaml_aliases (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *base, *copy;

  g_test_summary ("Aliases expand to deep copies with their own parents and paths.");
  root = parse_yaml_one ("base: &base\n"
                         "  timeout: 5\n"
                         "  retries: [1, 2]\n"
                         "copy: *base\n"
                         "list: [*base, &n 7, *n]\n");
  assert_links (root);
  base = member (root, "base");
  copy = member (root, "copy");
  g_assert_true (copy != base);
  g_assert_true (copy->children != base->children);
  g_assert_cmpint (copy->kind, ==, MS_NODE_OBJECT);
  assert_integer (member (copy, "timeout"), 5);
  assert_integer (element (member (copy, "retries"), 1), 2);
  /* The copy keeps the position of the text it came from. */
  assert_position (member (copy, "timeout"), 2, 12);
  assert_path (element (member (copy, "retries"), 1), "copy.retries[1]");
  assert_path (member (element (member (root, "list"), 0), "timeout"), "list[0].timeout");
  assert_integer (element (member (root, "list"), 2), 7);
}

static void
test_yaml_merge_keys (void)
{
  g_autoptr(MsNode) root = NULL;
  MsNode *service;

  g_test_summary ("Merge keys add the members the mapping lacks; its own keys win.");
  root = parse_yaml_one ("defaults: &defaults {timeout: 5, retries: 2}\n"
                         "more: &more {retries: 9, pool: 3}\n"
                         "service:\n"
                         "  name: reviews\n"
                         "  <<: [*defaults, *more]\n"
                         "  timeout: 1\n");
  assert_links (root);
  service = member (root, "service");
  g_assert_cmpuint (service->children->len, ==, 4);
  assert_string (member (service, "name"), "reviews");
  assert_integer (member (service, "timeout"), 1);
  assert_integer (member (service, "retries"), 2);
  assert_integer (member (service, "pool"), 3);
  g_assert_null (ms_node_get (service, "<<"));
}

static void
test_yaml_keys (void)
{
  g_autoptr(MsNode) root = NULL;

  g_test_summary ("Scalar keys of any kind become key strings; anchored keys can be aliased.");
  root = parse_yaml_one ("1: one\n"
                         "True: yes\n"
                         "~: nothing\n"
                         "&k name: a\n"
                         "other: *k\n"
                         "\"<<\": literal\n");
  assert_string (member (root, "1"), "one");
  assert_string (member (root, "true"), "yes");
  assert_string (member (root, "null"), "nothing");
  assert_string (member (root, "name"), "a");
  assert_string (member (root, "other"), "name");
  assert_string (member (root, "<<"), "literal");
}

static void
test_yaml_unicode (void)
{
  g_autoptr(MsNode) root = NULL;

  g_test_summary ("YAML escapes, including code points beyond the BMP, become UTF-8.");
  root = parse_yaml_one ("- \"\\u00e9\\U0001F600\\t\"\n- caf\xc3\xa9\n");
  assert_string (element (root, 0), "\xc3\xa9\xf0\x9f\x98\x80\t");
  assert_string (element (root, 1), "caf\xc3\xa9");
}

static void
test_yaml_depth_limit (void)
{
  g_test_summary ("The YAML depth rule matches JSON's: 64 levels in, 65 out.");

  g_autofree char *deepest = nested_arrays (MS_NODE_MAX_DEPTH);
  g_autofree char *too_deep = nested_arrays (MS_NODE_MAX_DEPTH + 1);
  g_autoptr(MsNode) root = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GError) error = NULL;

  root = parse_yaml_one (deepest);
  refused = ms_node_parse_yaml (too_deep, -1, "deep.yaml", &error);
  g_assert_null (refused);
  g_assert_error (error, MS_NODE_ERROR, MS_NODE_ERROR_TOO_LARGE);
  g_assert_cmpstr (error->message, ==, "deep.yaml:1:65: nesting deeper than 64 levels");
}

/* ---- YAML: bad input --------------------------------------------------- */

static const BadInput bad_yaml[] = {
  { "tab-indentation", "a:\n\tb: 1\n", MS_NODE_ERROR_SYNTAX, 2, 1, "tabs are not allowed" },
  { "bad-indentation", "a:\n  b: 1\n c: 2\n", MS_NODE_ERROR_SYNTAX, 3, 2,
    "did not find expected key (while parsing a block mapping at line 1, column 1)" },
  { "sequence-indentation", "- a\n-b\n - c\n", MS_NODE_ERROR_SYNTAX, 4, 1,
    "could not find expected ':' (while scanning a simple key at line 2, column 1)" },
  { "mapping-in-scalar", "a: b: c\n", MS_NODE_ERROR_SYNTAX, 1, 5, "mapping values are not allowed" },
  { "unclosed-flow-sequence", "ports: [1, 2\n", MS_NODE_ERROR_SYNTAX, 2, 1, "did not find expected ',' or ']'" },
  { "unclosed-flow-mapping", "{a: 1", MS_NODE_ERROR_SYNTAX, 2, 1, "did not find expected ',' or '}'" },
  { "unterminated-quote", "a: \"abc\n", MS_NODE_ERROR_SYNTAX, 2, 1, "end of stream" },
  { "bad-escape", "a: \"\\q\"", MS_NODE_ERROR_SYNTAX, 1, 5, "unknown escape character" },
  { "lone-surrogate", "\"\\ud800\"", MS_NODE_ERROR_SYNTAX, 1, 4, "invalid Unicode character" },
  { "nul-escape", "a: \"x\\0y\"", MS_NODE_ERROR_SYNTAX, 1, 4, "NUL" },
  { "invalid-utf8", "a: b\nc: \xff\n", MS_NODE_ERROR_SYNTAX, 2, 4, "invalid leading UTF-8 octet" },
  { "unknown-tag", "a: !foo bar\n", MS_NODE_ERROR_SYNTAX, 1, 4, "unknown tag '!foo'" },
  { "unknown-core-tag", "!!binary aGk=\n", MS_NODE_ERROR_SYNTAX, 1, 1, "unknown tag '!!binary'" },
  { "unknown-collection-tag", "a: !!set {x}\n", MS_NODE_ERROR_SYNTAX, 1, 4, "unknown tag '!!set'" },
  { "bad-int-tag", "a: !!int abc\n", MS_NODE_ERROR_SYNTAX, 1, 4, "'abc' is not a valid !!int value" },
  { "bad-bool-tag", "a: !!bool yes\n", MS_NODE_ERROR_SYNTAX, 1, 4, "not a valid !!bool" },
  { "infinity", "a: .inf\n", MS_NODE_ERROR_SYNTAX, 1, 4, "not a finite number" },
  { "not-a-number", "- -.NaN\n- .NaN\n", MS_NODE_ERROR_SYNTAX, 2, 3, "not a finite number" },
  { "float-out-of-range", "a: 1e400\n", MS_NODE_ERROR_SYNTAX, 1, 4, "out of range" },
  { "hex-out-of-range", "a: 0x8000000000000000\n", MS_NODE_ERROR_SYNTAX, 1, 4, "out of range" },
  { "duplicate-key", "name: a\nport: 1\nname: b\n", MS_NODE_ERROR_DUPLICATE, 3, 1,
    "duplicate key \"name\" (first defined at line 1)" },
  { "duplicate-after-conversion", "1: a\n\"1\": b\n", MS_NODE_ERROR_DUPLICATE, 2, 1, "duplicate key \"1\"" },
  { "duplicate-in-flow", "x: {a: 1, a: 2}\n", MS_NODE_ERROR_DUPLICATE, 1, 11, "duplicate key \"a\"" },
  { "duplicate-merge", "a: &a {x: 1}\nb: {<<: *a, <<: *a}\n", MS_NODE_ERROR_DUPLICATE, 2, 13, "duplicate key \"<<\"" },
  { "unknown-alias", "a: *nothing\n", MS_NODE_ERROR_SYNTAX, 1, 4, "unknown alias *nothing" },
  { "self-alias", "a: &x [1, *x]\n", MS_NODE_ERROR_SYNTAX, 1, 11, "unknown alias *x" },
  { "alias-across-documents", "a: &x 1\n---\nb: *x\n", MS_NODE_ERROR_SYNTAX, 3, 4, "unknown alias *x" },
  { "complex-key", "? [a, b]\n: 1\n", MS_NODE_ERROR_SYNTAX, 1, 3, "mapping keys must be scalars" },
  { "alias-of-mapping-as-key", "a: &m {x: 1}\n*m : 2\n", MS_NODE_ERROR_SYNTAX, 2, 1, "an alias of an object" },
  { "merge-non-mapping", "a: {<<: 1}\n", MS_NODE_ERROR_SYNTAX, 1, 9, "merge key '<<' expects a mapping" },
  { "nesting-100", HUNDRED_OPEN, MS_NODE_ERROR_TOO_LARGE, 1, 65, "nesting deeper than 64" },
  { "alias-too-deep", "a: &a " TEN_OPEN TEN_OPEN TEN_OPEN "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    "b: " TEN_OPEN TEN_OPEN TEN_OPEN TEN_OPEN "*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
    MS_NODE_ERROR_TOO_LARGE, 2, 44, "nesting deeper than 64" },
  { "billion-laughs",
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
    MS_NODE_ERROR_TOO_LARGE, 6, 0, "more than 1000000 nodes" },
  { "error-in-later-document", "a: 1\n---\nb: 2\n---\nc: [1, 2\n", MS_NODE_ERROR_SYNTAX, 6, 1,
    "while parsing a flow sequence at line 5, column 4" },
};

static void
test_yaml_bad (gconstpointer data)
{
  g_test_summary ("Malformed or unsupported YAML is refused with the right error "
                  "code, and a message that starts with the position and says what is wrong.");

  const BadInput *bad = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = ms_node_parse_yaml (bad->input, -1, "bad.yaml", &error);
  g_autofree char *prefix = NULL;
  g_autofree char *head = NULL;

  g_assert_null (documents);
  g_assert_error (error, MS_NODE_ERROR, (int) bad->code);
  g_test_message ("%s", error->message);
  /* A column of 0 means "any column on that line", for positions that
   * depend on where an expansion happens to run out. */
  prefix = bad->column > 0
    ? g_strdup_printf ("bad.yaml:%d:%d: ", bad->line, bad->column)
    : g_strdup_printf ("bad.yaml:%d:", bad->line);
  head = g_strndup (error->message, strlen (prefix));
  g_assert_cmpstr (head, ==, prefix);
  g_assert_nonnull (strstr (error->message, bad->fragment));
}

/* ---- Files ------------------------------------------------------------- */

typedef struct {
  char *directory;
} FileFixture;

static void
file_fixture_set_up (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  fixture->directory = g_dir_make_tmp ("test-node-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
file_fixture_tear_down (FileFixture *fixture, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->directory, 0, NULL);
  const char *name;

  (void) data;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->directory, name, NULL);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->directory), ==, 0);
  g_free (fixture->directory);
}

static char *
write_file (FileFixture *fixture, const char *name, const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->directory, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static GPtrArray *
load_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *documents = ms_node_load_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (documents);
  return documents;
}

static void
test_load_by_extension (FileFixture *fixture, gconstpointer data)
{
  g_test_summary ("Files are parsed by extension, compared without case, and "
                  "positions name the path as given.");

  g_autofree char *json = write_file (fixture, "scenario.json", "{\"a\": 1}");
  g_autofree char *yaml = write_file (fixture, "manifests.YML", "a: 1\n---\nb: \"2\"\n---\n");
  g_autofree char *yaml_looking_json = write_file (fixture, "flow.yaml", "{a: 1}");
  g_autoptr(GPtrArray) json_documents = load_ok (json);
  g_autoptr(GPtrArray) yaml_documents = load_ok (yaml);
  g_autoptr(GPtrArray) flow_documents = load_ok (yaml_looking_json);
  MsNode *root;

  (void) data;
  g_assert_cmpuint (json_documents->len, ==, 1);
  root = g_ptr_array_index (json_documents, 0);
  g_assert_cmpstr (root->file, ==, json);
  assert_integer (member (root, "a"), 1);
  g_assert_cmpuint (yaml_documents->len, ==, 2);
  assert_string (member (g_ptr_array_index (yaml_documents, 1), "b"), "2");
  g_assert_cmpuint (flow_documents->len, ==, 1);
}

static void
test_load_sniffed (FileFixture *fixture, gconstpointer data)
{
  g_test_summary ("Without a known extension, '{' or '[' first means JSON, else YAML.");

  g_autofree char *json = write_file (fixture, "inline", "\n  [\"a\"]");
  g_autofree char *yaml = write_file (fixture, "inline.txt", "- a\n");
  g_autofree char *broken = write_file (fixture, "broken", "{\"a\": }");
  g_autoptr(GPtrArray) json_documents = load_ok (json);
  g_autoptr(GPtrArray) yaml_documents = load_ok (yaml);
  g_autoptr(GPtrArray) broken_documents = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s:1:7: expected a value", broken);
  g_autofree char *head = NULL;

  (void) data;
  assert_string (element (g_ptr_array_index (json_documents, 0), 0), "a");
  assert_position (g_ptr_array_index (json_documents, 0), 2, 3);
  assert_string (element (g_ptr_array_index (yaml_documents, 0), 0), "a");
  broken_documents = ms_node_load_file (broken, &error);
  g_assert_null (broken_documents);
  g_assert_error (error, MS_NODE_ERROR, MS_NODE_ERROR_SYNTAX);
  head = g_strndup (error->message, strlen (prefix));
  g_assert_cmpstr (head, ==, prefix);
}

static void
test_load_missing (FileFixture *fixture, gconstpointer data)
{
  g_test_summary ("A file that cannot be read is an IO error naming the file.");

  g_autofree char *path = g_build_filename (fixture->directory, "missing.json", NULL);
  g_autofree char *prefix = g_strdup_printf ("%s: cannot read: ", path);
  g_autofree char *head = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) documents = ms_node_load_file (path, &error);

  (void) data;
  g_assert_null (documents);
  g_assert_error (error, MS_NODE_ERROR, MS_NODE_ERROR_IO);
  head = g_strndup (error->message, strlen (prefix));
  g_assert_cmpstr (head, ==, prefix);
}

/* ---- Registration ------------------------------------------------------ */

static void
add_bad_inputs (const char *prefix, const BadInput *table, gsize count, GTestDataFunc func)
{
  for (gsize i = 0; i < count; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", prefix, table[i].name);
      g_test_add_data_func (path, &table[i], func);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/io/node/kind-name", test_kind_name);
  g_test_add_func ("/io/node/path", test_path);
  g_test_add_func ("/io/node/path-root-array", test_path_root_array);
  g_test_add_func ("/io/node/get", test_get);

  g_test_add_func ("/io/node/json/scalars", test_json_scalars);
  g_test_add_func ("/io/node/json/numbers", test_json_numbers);
  g_test_add_func ("/io/node/json/strings", test_json_strings);
  g_test_add_func ("/io/node/json/positions", test_json_positions);
  g_test_add_func ("/io/node/json/empty-containers", test_json_empty_containers);
  g_test_add_func ("/io/node/json/depth-limit", test_json_depth_limit);
  g_test_add_func ("/io/node/json/length-and-bom", test_json_length_and_bom);
  add_bad_inputs ("/io/node/json/bad", bad_json, G_N_ELEMENTS (bad_json), test_json_bad);

  g_test_add_func ("/io/node/yaml/multi-document", test_yaml_multi_document);
  g_test_add_func ("/io/node/yaml/empty-stream", test_yaml_empty_stream);
  g_test_add_func ("/io/node/yaml/quoted-numbers", test_yaml_quoted_numbers);
  g_test_add_func ("/io/node/yaml/plain-scalars", test_yaml_plain_scalars);
  g_test_add_func ("/io/node/yaml/empty-value", test_yaml_empty_value);
  g_test_add_func ("/io/node/yaml/tags", test_yaml_tags);
  g_test_add_func ("/io/node/yaml/block-scalars", test_yaml_block_scalars);
  g_test_add_func ("/io/node/yaml/positions", test_yaml_positions);
  g_test_add_func ("/io/node/yaml/aliases", test_yaml_aliases);
  g_test_add_func ("/io/node/yaml/merge-keys", test_yaml_merge_keys);
  g_test_add_func ("/io/node/yaml/keys", test_yaml_keys);
  g_test_add_func ("/io/node/yaml/unicode", test_yaml_unicode);
  g_test_add_func ("/io/node/yaml/depth-limit", test_yaml_depth_limit);
  add_bad_inputs ("/io/node/yaml/bad", bad_yaml, G_N_ELEMENTS (bad_yaml), test_yaml_bad);

  g_test_add ("/io/node/load/by-extension", FileFixture, NULL,
              file_fixture_set_up, test_load_by_extension, file_fixture_tear_down);
  g_test_add ("/io/node/load/sniffed", FileFixture, NULL,
              file_fixture_set_up, test_load_sniffed, file_fixture_tear_down);
  g_test_add ("/io/node/load/missing", FileFixture, NULL,
              file_fixture_set_up, test_load_missing, file_fixture_tear_down);

  return g_test_run ();
}
