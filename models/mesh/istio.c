/* models/mesh/istio.c - reading Gateway, VirtualService, DestinationRule.
 *
 * Field names and defaults follow istio/api (networking/v1alpha3) as
 * summarised in ../shared/reference/istio-envoy-semantics.md.  Unknown
 * fields are errors with suggestions, as kubectl's strict decoding makes
 * them, except one that real labs get wrong and that Istio silently drops:
 * `retryPolicy` under a DestinationRule's trafficPolicy, which is a warning
 * showing the VirtualService form, and changes nothing.
 */
#include "models/mesh/istio.h"

#include "sim/io/read.h"

#include <string.h>

static void
warn (MsIstio *istio, const MsNode *node, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
warn (MsIstio *istio, const MsNode *node, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *path = ms_node_path (node);
  g_ptr_array_add (istio->warnings, g_strdup_printf ("%s:%d:%d: %s: %s", node->file,
                                                     node->key_line ? node->key_line : node->line,
                                                     node->key_line ? node->key_column : node->column,
                                                     path, message));
}

/* Freeing. */

static void
string_match_clear (MsStringMatch *m)
{
  g_clear_pointer (&m->value, g_free);
  g_clear_pointer (&m->regex, g_regex_unref);
}

static void
string_match_free (MsStringMatch *m)
{
  if (m == NULL)
    return;
  string_match_clear (m);
  g_free (m);
}

static void
header_match_clear (gpointer data)
{
  MsHeaderMatch *h = data;
  g_free (h->name);
  string_match_clear (&h->match);
}

static void
header_ops_clear (MsHeaderOps *ops)
{
  ms_labels_clear (&ops->set);
  ms_labels_clear (&ops->add);
  g_strfreev (ops->remove);
}

static void
http_match_free (gpointer data)
{
  MsHttpMatch *m = data;
  string_match_free (m->uri);
  string_match_free (m->scheme);
  string_match_free (m->method);
  string_match_free (m->authority);
  g_array_unref (m->headers);
  g_array_unref (m->without_headers);
  g_array_unref (m->query_params);
  ms_labels_clear (&m->source_labels);
  g_strfreev (m->gateways);
  g_free (m);
}

static void
destination_free (gpointer data)
{
  MsRouteDestination *d = data;
  g_free (d->host);
  g_free (d->subset);
  header_ops_clear (&d->headers_request);
  g_free (d);
}

static void
http_route_free (gpointer data)
{
  MsHttpRoute *r = data;
  g_free (r->name);
  g_ptr_array_unref (r->matches);
  g_ptr_array_unref (r->route);
  g_free (r->redirect_uri);
  g_free (r->redirect_authority);
  g_clear_pointer (&r->direct_body, ms_body_unref);
  g_free (r->rewrite_uri);
  g_free (r->rewrite_authority);
  g_clear_pointer (&r->retries.status_codes, g_array_unref);
  g_free (r->mirror_subset);
  header_ops_clear (&r->headers_request);
  g_free (r);
}

static void
virtual_service_free (gpointer data)
{
  MsVirtualService *vs = data;
  g_free (vs->name);
  g_strfreev (vs->hosts);
  g_strfreev (vs->hosts_fqdn);
  g_strfreev (vs->gateways);
  g_ptr_array_unref (vs->http);
  g_free (vs);
}

static void
traffic_policy_clear (MsTrafficPolicy *p)
{
  g_clear_pointer (&p->hash_key, g_free);
}

static void
subset_free (gpointer data)
{
  MsSubset *s = data;
  g_free (s->name);
  ms_labels_clear (&s->labels);
  traffic_policy_clear (&s->policy);
  g_free (s);
}

static void
destination_rule_free (gpointer data)
{
  MsDestinationRule *dr = data;
  g_free (dr->name);
  traffic_policy_clear (&dr->policy);
  g_ptr_array_unref (dr->subsets);
  g_free (dr);
}

static void
gateway_free (gpointer data)
{
  MsGateway *g = data;
  g_free (g->name);
  ms_labels_clear (&g->selector);
  for (guint i = 0; i < g->servers->len; i++)
    {
      MsGatewayServer *s = &g_array_index (g->servers, MsGatewayServer, i);
      g_free (s->protocol);
      g_strfreev (s->hosts);
    }
  g_array_unref (g->servers);
  g_free (g);
}

void
ms_istio_free (MsIstio *istio)
{
  if (istio == NULL)
    return;
  g_free (istio->istio);
  g_ptr_array_unref (istio->gateways);
  g_ptr_array_unref (istio->virtual_services);
  g_ptr_array_unref (istio->destination_rules);
  g_ptr_array_unref (istio->warnings);
  g_clear_pointer (&istio->default_retries.status_codes, g_array_unref);
  g_free (istio);
}

/* Small readers. */

static gboolean
read_strings (const MsNode *object, const char *key, char ***out, GError **error)
{
  const MsNode *list;
  if (!ms_read_child (object, key, MS_NODE_ARRAY, FALSE, &list, error))
    return FALSE;
  if (list == NULL)
    return TRUE;
  GPtrArray *strings = g_ptr_array_new ();
  for (guint i = 0; i < list->children->len; i++)
    {
      const MsNode *item = list->children->pdata[i];
      if (!ms_read_expect (item, MS_NODE_STRING, error))
        {
          g_ptr_array_set_free_func (strings, g_free);
          g_ptr_array_unref (strings);
          return FALSE;
        }
      g_ptr_array_add (strings, g_strdup (item->text));
    }
  g_ptr_array_add (strings, NULL);
  *out = (char **) g_ptr_array_free (strings, FALSE);
  return TRUE;
}

static gboolean
read_string_match (const MsNode *node, gboolean allow_empty, MsStringMatch *out, GError **error)
{
  static const char *const fields[] = { "exact", "prefix", "regex", NULL };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  if (node->children->len == 0)
    {
      if (!allow_empty)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                             "a match needs one of 'exact', 'prefix' or 'regex'");
      out->kind = MS_MATCH_ANY;
      return TRUE;
    }
  if (node->children->len > 1)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "use one of 'exact', 'prefix' or 'regex', not several");
  const MsNode *child = node->children->pdata[0];
  if (!ms_read_expect (child, MS_NODE_STRING, error))
    return FALSE;
  out->value = g_strdup (child->text);
  if (g_str_equal (child->key, "exact"))
    out->kind = MS_MATCH_EXACT;
  else if (g_str_equal (child->key, "prefix"))
    out->kind = MS_MATCH_PREFIX;
  else
    {
      out->kind = MS_MATCH_REGEX;
      g_autoptr (GError) local = NULL;
      /* RE2 semantics in Istio: the expression must match the whole value.
       * The user's pattern is compiled alone first so that an error's
       * offset counts in what they wrote. */
      g_autoptr (GRegex) plain = g_regex_new (child->text, 0, 0, &local);
      g_autofree char *anchored = g_strdup_printf ("^(?:%s)$", child->text);
      if (plain != NULL)
        out->regex = g_regex_new (anchored, G_REGEX_OPTIMIZE, 0, &local);
      if (out->regex == NULL)
        return ms_read_fail (error, child, MS_SCENARIO_ERROR_VALUE, "invalid regex: %s",
                             local->message);
    }
  return TRUE;
}

static gboolean
read_optional_match (const MsNode *object, const char *key, MsStringMatch **out, GError **error)
{
  const MsNode *node;
  if (!ms_read_child (object, key, MS_NODE_OBJECT, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  *out = g_new0 (MsStringMatch, 1);
  return read_string_match (node, FALSE, *out, error);
}

static gboolean
read_header_matches (const MsNode *object, const char *key, gboolean lower, GArray *out,
                     GError **error)
{
  const MsNode *map;
  if (!ms_read_child (object, key, MS_NODE_OBJECT, FALSE, &map, error))
    return FALSE;
  for (guint i = 0; map != NULL && i < map->children->len; i++)
    {
      const MsNode *child = map->children->pdata[i];
      MsHeaderMatch h = { .name = lower ? g_ascii_strdown (child->key, -1) : g_strdup (child->key) };
      g_array_append_val (out, h);
      MsHeaderMatch *stored = &g_array_index (out, MsHeaderMatch, out->len - 1);
      if (!read_string_match (child, TRUE, &stored->match, error))
        return FALSE;
    }
  return TRUE;
}

/* "reviews" in namespace ns -> "reviews.ns.svc.cluster.local". */
static char *
fqdn_in (const char *host, const char *ns)
{
  if (host[0] == '*')
    return g_strdup (host);
  const char *dot = strchr (host, '.');
  if (dot == NULL)
    return g_strdup_printf ("%s.%s.svc.cluster.local", host, ns);
  if (g_str_has_suffix (host, ".svc.cluster.local"))
    return g_strdup (host);
  if (g_str_has_suffix (host, ".svc"))
    return g_strdup_printf ("%s.cluster.local", host);
  if (strchr (dot + 1, '.') == NULL)
    return g_strdup_printf ("%s.svc.cluster.local", host);
  return g_strdup (host);
}

static gboolean
host_matches (const char *pattern, const char *host)
{
  if (g_str_equal (pattern, "*"))
    return TRUE;
  if (pattern[0] == '*')
    return g_str_has_suffix (host, pattern + 1);
  return g_ascii_strcasecmp (pattern, host) == 0;
}

/* HTTPMatchRequest. */
static gboolean
read_http_match (const MsNode *node, GPtrArray *out, GError **error)
{
  static const char *const fields[] = {
    "name", "uri", "scheme", "method", "authority", "headers", "port", "sourceLabels",
    "gateways", "queryParams", "ignoreUriCase", "withoutHeaders", "sourceNamespace",
    "statPrefix", NULL,
  };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  MsHttpMatch *m = g_new0 (MsHttpMatch, 1);
  m->node = node;
  m->headers = g_array_new (FALSE, TRUE, sizeof (MsHeaderMatch));
  m->without_headers = g_array_new (FALSE, TRUE, sizeof (MsHeaderMatch));
  m->query_params = g_array_new (FALSE, TRUE, sizeof (MsHeaderMatch));
  g_array_set_clear_func (m->headers, header_match_clear);
  g_array_set_clear_func (m->without_headers, header_match_clear);
  g_array_set_clear_func (m->query_params, header_match_clear);
  g_ptr_array_add (out, m);
  gint64 port = 0;
  return read_optional_match (node, "uri", &m->uri, error)
         && read_optional_match (node, "scheme", &m->scheme, error)
         && read_optional_match (node, "method", &m->method, error)
         && read_optional_match (node, "authority", &m->authority, error)
         && ms_read_bool (node, "ignoreUriCase", FALSE, &m->ignore_uri_case, error)
         && read_header_matches (node, "headers", TRUE, m->headers, error)
         && read_header_matches (node, "withoutHeaders", TRUE, m->without_headers, error)
         && read_header_matches (node, "queryParams", FALSE, m->query_params, error)
         && ms_read_int (node, "port", FALSE, 1, 65535, &port, error)
         && ms_read_labels (node, "sourceLabels", &m->source_labels, error)
         && read_strings (node, "gateways", &m->gateways, error)
         && (m->port = (int) port, TRUE);
}

static gboolean
read_header_ops (const MsNode *object, MsHeaderOps *out, GError **error)
{
  static const char *const fields[] = { "request", "response", NULL };
  static const char *const op_fields[] = { "set", "add", "remove", NULL };
  const MsNode *headers, *request, *response;
  if (!ms_read_child (object, "headers", MS_NODE_OBJECT, FALSE, &headers, error))
    return FALSE;
  if (headers == NULL)
    return TRUE;
  if (!ms_read_object (headers, fields, error)
      || !ms_read_child (headers, "request", MS_NODE_OBJECT, FALSE, &request, error)
      || !ms_read_child (headers, "response", MS_NODE_OBJECT, FALSE, &response, error))
    return FALSE;
  if (response != NULL && !ms_read_object (response, op_fields, error))
    return FALSE;
  if (request == NULL)
    return TRUE;
  return ms_read_object (request, op_fields, error)
         && ms_read_labels (request, "set", &out->set, error)
         && ms_read_labels (request, "add", &out->add, error)
         && read_strings (request, "remove", &out->remove, error);
}

static MsService *
resolve_host (MsCluster *cluster, const MsNode *node, const char *host, const char *ns,
              GError **error)
{
  MsService *service = ms_cluster_resolve (cluster, host, ns);
  if (service != NULL)
    return service;
  const GPtrArray *services = ms_cluster_services (cluster);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < services->len; i++)
    g_ptr_array_add (names, ((MsService *) services->pdata[i])->name);
  g_ptr_array_add (names, NULL);
  const char *guess = ms_read_suggest (host, (const char *const *) names->pdata);
  ms_read_fail (error, node, MS_SCENARIO_ERROR_REFERENCE,
                "host \"%s\" is not a Service seen from namespace %s%s%s%s", host, ns,
                guess ? "; did you mean \"" : "", guess ? guess : "", guess ? "\"?" : "");
  return NULL;
}

static gboolean
read_destination (MsCluster *cluster, const char *ns, const MsNode *node, GPtrArray *out,
                  GError **error)
{
  static const char *const fields[] = { "destination", "weight", "headers", NULL };
  static const char *const dest_fields[] = { "host", "subset", "port", NULL };
  static const char *const port_fields[] = { "number", NULL };
  const MsNode *dest, *port_node;
  const char *host = NULL, *subset = NULL;
  gint64 weight = 0, port = 0;
  if (!ms_read_object (node, fields, error)
      || !ms_read_child (node, "destination", MS_NODE_OBJECT, TRUE, &dest, error)
      || !ms_read_object (dest, dest_fields, error)
      || !ms_read_string (dest, "host", TRUE, &host, error)
      || !ms_read_string (dest, "subset", FALSE, &subset, error)
      || !ms_read_child (dest, "port", MS_NODE_OBJECT, FALSE, &port_node, error)
      || !ms_read_int (node, "weight", FALSE, 0, 1000000, &weight, error))
    return FALSE;
  if (port_node != NULL
      && (!ms_read_object (port_node, port_fields, error)
          || !ms_read_int (port_node, "number", TRUE, 1, 65535, &port, error)))
    return FALSE;
  MsRouteDestination *d = g_new0 (MsRouteDestination, 1);
  g_ptr_array_add (out, d);
  d->node = node;
  d->host = g_strdup (host);
  d->subset = g_strdup (subset);
  d->weight = (int) weight;
  d->port = (int) port;
  d->service = resolve_host (cluster, ms_node_get (dest, "host"), host, ns, error);
  if (d->service == NULL || !read_header_ops (node, &d->headers_request, error))
    return FALSE;
  if (d->port != 0 && !ms_service_has_port (d->service, d->port))
    return ms_read_fail (error, port_node, MS_SCENARIO_ERROR_REFERENCE,
                         "Service %s has no port %d", d->service->name, d->port);
  if (d->port == 0 && d->service->ports->len > 1)
    return ms_read_fail (error, dest, MS_SCENARIO_ERROR_MISSING,
                         "Service %s has several ports; say which with port.number",
                         d->service->name);
  return TRUE;
}

static const char *const retry_conditions[] = {
  "5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream",
  "retriable-status-codes", "envoy-ratelimited", "cancelled", "deadline-exceeded",
  "internal", "resource-exhausted", "unavailable", "retriable-headers", "reset-before-request",
  "http3-post-connect-failure", NULL,
};

void
ms_istio_default_retries (const char *release, MsRetryPolicy *out)
{
  out->attempts = 2;
  out->per_try_timeout = 0;
  out->previous_hosts = TRUE;
  out->retry_on = MS_RETRY_ON_CONNECT_FAILURE | MS_RETRY_ON_REFUSED_STREAM | MS_RETRY_ON_GRPC
                  | MS_RETRY_ON_RETRIABLE_STATUS_CODES;
  if (out->status_codes == NULL)
    out->status_codes = g_array_new (FALSE, FALSE, sizeof (int));
  g_array_set_size (out->status_codes, 0);
  /* EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY became true in Istio 1.24. */
  if (g_strcmp0 (release, "1.24") < 0 && strlen (release) == 4)
    {
      int code = 503;
      g_array_append_val (out->status_codes, code);
    }
}

static gboolean
read_retries (const MsNode *node, const char *release, MsRetryPolicy *out, GError **error)
{
  static const char *const fields[] = {
    "attempts", "perTryTimeout", "retryOn", "retryRemoteLocalities",
    "retryIgnorePreviousHosts", "backoff", NULL,
  };
  ms_istio_default_retries (release, out);
  if (node == NULL)
    return TRUE;
  gint64 attempts = 2;
  const char *retry_on = NULL;
  if (!ms_read_object (node, fields, error)
      || !ms_read_int (node, "attempts", FALSE, 0, 100, &attempts, error)
      || !ms_read_duration (node, "perTryTimeout", FALSE, &out->per_try_timeout, error)
      || !ms_read_string (node, "retryOn", FALSE, &retry_on, error)
      || !ms_read_bool (node, "retryIgnorePreviousHosts", FALSE, &out->previous_hosts, error))
    return FALSE;
  out->attempts = (int) attempts;
  if (attempts == 0 && (retry_on != NULL || ms_node_get (node, "perTryTimeout") != NULL))
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "attempts 0 disables retries; Istio rejects it together with "
                         "perTryTimeout or retryOn");
  if (ms_node_get (node, "perTryTimeout") != NULL && out->per_try_timeout < MS_MSEC (1))
    return ms_read_fail (error, ms_node_get (node, "perTryTimeout"), MS_SCENARIO_ERROR_VALUE,
                         "perTryTimeout must be at least 1ms");
  if (retry_on == NULL)
    return TRUE;   /* Istio keeps the default conditions (retry.go). */
  out->retry_on = 0;
  g_array_set_size (out->status_codes, 0);
  g_auto (GStrv) parts = g_strsplit (retry_on, ",", -1);
  for (char **p = parts; *p; p++)
    {
      char *word = g_strstrip (*p);
      if (*word == '\0')
        continue;
      gboolean digits = TRUE;
      for (const char *c = word; *c; c++)
        digits = digits && g_ascii_isdigit (*c);
      if (digits)
        {
          char *end;
          gint64 code = g_ascii_strtoll (word, &end, 10);
          if (*end != '\0' || code < 100 || code > 599)
            return ms_read_fail (error, ms_node_get (node, "retryOn"), MS_SCENARIO_ERROR_VALUE,
                                 "\"%s\" is not an HTTP status code", word);
          int c = (int) code;
          g_array_append_val (out->status_codes, c);
          out->retry_on |= MS_RETRY_ON_RETRIABLE_STATUS_CODES;
          continue;
        }
      int i;
      for (i = 0; retry_conditions[i]; i++)
        if (g_str_equal (retry_conditions[i], word))
          break;
      if (retry_conditions[i] == NULL)
        {
          const char *guess = ms_read_suggest (word, retry_conditions);
          return ms_read_fail (error, ms_node_get (node, "retryOn"), MS_SCENARIO_ERROR_VALUE,
                               "unknown retryOn condition \"%s\"%s%s%s", word,
                               guess ? ", did you mean \"" : "", guess ? guess : "",
                               guess ? "\"?" : "");
        }
      out->retry_on |= i < 8 ? (1u << i) : MS_RETRY_ON_GRPC;
    }
  return TRUE;
}

static gboolean
read_percentage (MsIstio *istio, const MsNode *block, double *out, GError **error)
{
  static const char *const fields[] = { "value", NULL };
  const MsNode *percentage;
  if (!ms_read_child (block, "percentage", MS_NODE_OBJECT, FALSE, &percentage, error))
    return FALSE;
  if (percentage != NULL)
    return ms_read_object (percentage, fields, error)
           && ms_read_number (percentage, "value", FALSE, 0, 100, out, error);
  const MsNode *percent = ms_node_get (block, "percent");
  if (percent != NULL)
    {
      gint64 value = 0;
      if (!ms_read_int (block, "percent", FALSE, 0, 100, &value, error))
        return FALSE;
      *out = (double) value;
      warn (istio, percent, "'percent' is deprecated; write percentage: {value: %" G_GINT64_FORMAT
            "}", value);
    }
  return TRUE;
}

static gboolean
read_fault (MsIstio *istio, const MsNode *node, MsHttpRoute *r, GError **error)
{
  static const char *const fields[] = { "delay", "abort", NULL };
  static const char *const delay_fields[] = {
    "fixedDelay", "percentage", "percent", "exponentialDelay", NULL,
  };
  static const char *const abort_fields[] = {
    "httpStatus", "grpcStatus", "http2Error", "percentage", "percent", NULL,
  };
  const MsNode *delay, *abort_;
  if (!ms_read_object (node, fields, error)
      || !ms_read_child (node, "delay", MS_NODE_OBJECT, FALSE, &delay, error)
      || !ms_read_child (node, "abort", MS_NODE_OBJECT, FALSE, &abort_, error))
    return FALSE;
  if (delay == NULL && abort_ == NULL)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "a fault needs a delay, an abort or both");
  if (delay != NULL)
    {
      if (!ms_read_object (delay, delay_fields, error)
          || !ms_read_duration (delay, "fixedDelay", TRUE, &r->fixed_delay, error)
          || !read_percentage (istio, delay, &r->delay_percent, error))
        return FALSE;
      if (r->fixed_delay < MS_MSEC (1))
        return ms_read_fail (error, ms_node_get (delay, "fixedDelay"), MS_SCENARIO_ERROR_VALUE,
                             "fixedDelay must be at least 1ms");
    }
  if (abort_ != NULL)
    {
      gint64 status = 0;
      if (!ms_read_object (abort_, abort_fields, error)
          || !ms_read_int (abort_, "httpStatus", TRUE, 200, 599, &status, error)
          || !read_percentage (istio, abort_, &r->abort_percent, error))
        return FALSE;
      r->abort_status = (int) status;
    }
  return TRUE;
}

static gboolean
read_http_route (MsIstio *istio, MsCluster *cluster, const char *ns, const MsNode *node,
                 GPtrArray *out, GError **error)
{
  static const char *const fields[] = {
    "name", "match", "route", "redirect", "directResponse", "delegate", "rewrite", "timeout",
    "retries", "fault", "mirror", "mirrors", "mirrorPercentage", "mirrorPercent",
    "corsPolicy", "headers", NULL,
  };
  static const char *const redirect_fields[] = {
    "uri", "authority", "port", "derivePort", "scheme", "redirectCode", NULL,
  };
  static const char *const direct_fields[] = { "status", "body", NULL };
  static const char *const rewrite_fields[] = { "uri", "authority", "uriRegexRewrite", NULL };
  if (!ms_read_object (node, fields, error))
    return FALSE;
  MsHttpRoute *r = g_new0 (MsHttpRoute, 1);
  g_ptr_array_add (out, r);
  r->node = node;
  r->matches = g_ptr_array_new_with_free_func (http_match_free);
  r->route = g_ptr_array_new_with_free_func (destination_free);
  const char *name = NULL;
  const MsNode *matches, *route, *redirect, *direct, *rewrite, *fault, *mirror;
  if (!ms_read_string (node, "name", FALSE, &name, error)
      || !ms_read_child (node, "match", MS_NODE_ARRAY, FALSE, &matches, error)
      || !ms_read_child (node, "route", MS_NODE_ARRAY, FALSE, &route, error)
      || !ms_read_child (node, "redirect", MS_NODE_OBJECT, FALSE, &redirect, error)
      || !ms_read_child (node, "directResponse", MS_NODE_OBJECT, FALSE, &direct, error)
      || !ms_read_child (node, "rewrite", MS_NODE_OBJECT, FALSE, &rewrite, error)
      || !ms_read_child (node, "fault", MS_NODE_OBJECT, FALSE, &fault, error)
      || !ms_read_child (node, "mirror", MS_NODE_OBJECT, FALSE, &mirror, error)
      || !ms_read_duration (node, "timeout", FALSE, &r->timeout, error)
      || !read_retries (ms_node_get (node, "retries"), istio->istio, &r->retries, error)
      || !read_header_ops (node, &r->headers_request, error))
    return FALSE;
  r->name = g_strdup (name);
  if (ms_node_get (node, "delegate") != NULL || ms_node_get (node, "mirrors") != NULL)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_UNSUPPORTED,
                         "'delegate' and 'mirrors' are not simulated; use route and mirror");
  for (guint i = 0; matches != NULL && i < matches->children->len; i++)
    if (!read_http_match (matches->children->pdata[i], r->matches, error))
      return FALSE;
  int actions = (route != NULL) + (redirect != NULL) + (direct != NULL);
  if (actions != 1)
    return ms_read_fail (error, node, MS_SCENARIO_ERROR_VALUE,
                         "an http rule needs exactly one of 'route', 'redirect' or "
                         "'directResponse' (found %d)", actions);
  if (route != NULL)
    {
      if (route->children->len == 0)
        return ms_read_fail (error, route, MS_SCENARIO_ERROR_VALUE, "'route' is empty");
      for (guint i = 0; i < route->children->len; i++)
        if (!read_destination (cluster, ns, route->children->pdata[i], r->route, error))
          return FALSE;
      for (guint i = 0; i < r->route->len; i++)
        {
          MsRouteDestination *d = r->route->pdata[i];
          /* One destination takes all traffic whatever its weight. */
          if (r->route->len == 1)
            d->weight = 1;
          r->total_weight += d->weight;
        }
      if (r->total_weight == 0)
        return ms_read_fail (error, route, MS_SCENARIO_ERROR_VALUE,
                             "total destination weight = 0; give at least one destination a "
                             "weight above 0");
    }
  if (redirect != NULL)
    {
      const char *uri = NULL, *authority = NULL;
      gint64 code = 301;
      if (!ms_read_object (redirect, redirect_fields, error)
          || !ms_read_string (redirect, "uri", FALSE, &uri, error)
          || !ms_read_string (redirect, "authority", FALSE, &authority, error)
          || !ms_read_int (redirect, "redirectCode", FALSE, 300, 399, &code, error))
        return FALSE;
      r->has_redirect = TRUE;
      r->redirect_code = (int) code;
      r->redirect_uri = g_strdup (uri);
      r->redirect_authority = g_strdup (authority);
    }
  if (direct != NULL)
    {
      gint64 status = 200;
      if (!ms_read_object (direct, direct_fields, error)
          || !ms_read_int (direct, "status", TRUE, 200, 599, &status, error))
        return FALSE;
      r->has_direct_response = TRUE;
      r->direct_status = (int) status;
      const MsNode *body = ms_node_get (direct, "body");
      const char *text = NULL;
      if (body != NULL && !ms_read_string (body, "string", FALSE, &text, error))
        return FALSE;
      if (text != NULL)
        r->direct_body = ms_body_new_text (text, -1);
    }
  if (rewrite != NULL)
    {
      const char *uri = NULL, *authority = NULL;
      if (!ms_read_object (rewrite, rewrite_fields, error)
          || !ms_read_string (rewrite, "uri", FALSE, &uri, error)
          || !ms_read_string (rewrite, "authority", FALSE, &authority, error))
        return FALSE;
      r->rewrite_uri = g_strdup (uri);
      r->rewrite_authority = g_strdup (authority);
    }
  if (fault != NULL && !read_fault (istio, fault, r, error))
    return FALSE;
  if (mirror != NULL)
    {
      static const char *const mirror_fields[] = { "host", "subset", "port", NULL };
      const char *host = NULL, *subset = NULL;
      if (!ms_read_object (mirror, mirror_fields, error)
          || !ms_read_string (mirror, "host", TRUE, &host, error)
          || !ms_read_string (mirror, "subset", FALSE, &subset, error))
        return FALSE;
      r->mirror = resolve_host (cluster, ms_node_get (mirror, "host"), host, ns, error);
      if (r->mirror == NULL)
        return FALSE;
      r->mirror_subset = g_strdup (subset);
      r->mirror_percent = 100;
      const MsNode *percentage = ms_node_get (node, "mirrorPercentage");
      if (percentage != NULL)
        {
          static const char *const pf[] = { "value", NULL };
          if (!ms_read_object (percentage, pf, error)
              || !ms_read_number (percentage, "value", FALSE, 0, 100, &r->mirror_percent, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_virtual_service (MsIstio *istio, MsCluster *cluster, const MsIstioConfig *config,
                      GError **error)
{
  static const char *const fields[] = { "hosts", "gateways", "http", "tcp", "tls", "exportTo", NULL };
  const MsNode *spec, *http;
  if (!ms_read_child (config->node, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, fields, error))
    return FALSE;
  MsVirtualService *vs = g_new0 (MsVirtualService, 1);
  g_ptr_array_add (istio->virtual_services, vs);
  vs->name = g_strdup (config->name);
  vs->namespace_ = config->namespace_;
  vs->node = config->node;
  vs->http = g_ptr_array_new_with_free_func (http_route_free);
  if (!read_strings (spec, "hosts", &vs->hosts, error)
      || !read_strings (spec, "gateways", &vs->gateways, error)
      || !ms_read_child (spec, "http", MS_NODE_ARRAY, FALSE, &http, error))
    return FALSE;
  if (vs->hosts == NULL || vs->hosts[0] == NULL)
    return ms_read_fail (error, spec, MS_SCENARIO_ERROR_MISSING,
                         "a VirtualService needs at least one host in 'hosts'");
  if (vs->gateways == NULL)
    vs->gateways = g_strdupv ((char *[]){ "mesh", NULL });
  /* Gateway names without a namespace are in the VirtualService's. */
  for (char **g = vs->gateways; *g; g++)
    if (!g_str_equal (*g, "mesh") && strchr (*g, '/') == NULL)
      {
        char *full = g_strdup_printf ("%s/%s", vs->namespace_, *g);
        g_free (*g);
        *g = full;
      }
  guint n = g_strv_length (vs->hosts);
  vs->hosts_fqdn = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    vs->hosts_fqdn[i] = fqdn_in (vs->hosts[i], vs->namespace_);
  for (guint i = 0; http != NULL && i < http->children->len; i++)
    if (!read_http_route (istio, cluster, vs->namespace_, http->children->pdata[i], vs->http,
                          error))
      return FALSE;
  if (ms_node_get (spec, "tcp") != NULL || ms_node_get (spec, "tls") != NULL)
    warn (istio, ms_node_get (spec, ms_node_get (spec, "tcp") ? "tcp" : "tls"),
          "tcp and tls routes are not simulated and are ignored");
  return TRUE;
}

static gboolean
read_traffic_policy (MsIstio *istio, const MsNode *node, MsTrafficPolicy *out, GError **error)
{
  static const char *const fields[] = {
    "loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings",
    "tunnel", "proxyProtocol", "retryBudget", NULL,
  };
  static const char *const lb_fields[] = {
    "simple", "consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup", NULL,
  };
  static const char *const simple[] = {
    "LEAST_REQUEST", "ROUND_ROBIN", "RANDOM", "PASSTHROUGH", "UNSPECIFIED", "LEAST_CONN", NULL,
  };
  static const char *const hash_fields[] = {
    "httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName", "ringHash",
    "maglev", "minimumRingSize", NULL,
  };
  if (!ms_pool_settings_read (NULL, &out->pool, error)
      || !ms_outlier_settings_read (NULL, istio->istio, &out->outlier, NULL, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  const MsNode *retry_policy = ms_node_get (node, "retryPolicy");
  if (retry_policy != NULL)
    {
      /* The lab's mistake: Istio has no such field; a real cluster drops it
       * (or kubectl refuses it), and retries stay at the defaults. */
      warn (istio, retry_policy,
            "DestinationRule has no 'retryPolicy' field, so these retries never happen; "
            "retries belong to the VirtualService route: http: [{route: [...], retries: "
            "{attempts: 3, perTryTimeout: 2s}}]");
    }
  for (guint i = 0; i < node->children->len; i++)
    {
      const MsNode *child = node->children->pdata[i];
      if (g_str_equal (child->key, "retryPolicy") || g_strv_contains (fields, child->key))
        continue;
      const char *guess = ms_read_suggest (child->key, fields);
      return ms_read_fail_key (error, child, MS_SCENARIO_ERROR_UNKNOWN_FIELD,
                               "unknown field '%s'%s%s%s", child->key,
                               guess ? ", did you mean '" : "", guess ? guess : "",
                               guess ? "'?" : "");
    }
  out->set = TRUE;
  out->node = node;
  out->connection_pool = ms_node_get (node, "connectionPool");
  out->outlier_detection = ms_node_get (node, "outlierDetection");
  if (!ms_pool_settings_read (out->connection_pool, &out->pool, error)
      || !ms_outlier_settings_read (out->outlier_detection, istio->istio, &out->outlier,
                                    istio->warnings, error))
    return FALSE;
  const MsNode *tls;
  if (!ms_read_child (node, "tls", MS_NODE_OBJECT, FALSE, &tls, error))
    return FALSE;
  if (tls != NULL)
    {
      static const char *const tls_fields[] = {
        "mode", "clientCertificate", "privateKey", "caCertificates", "credentialName",
        "subjectAltNames", "sni", "insecureSkipVerify", "caCrl", NULL,
      };
      static const char *const modes[] = { "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL", NULL };
      int mode = 0;
      if (!ms_read_object (tls, tls_fields, error)
          || !ms_read_choice (tls, "mode", TRUE, modes, &mode, error))
        return FALSE;
      out->tls = (MsTlsMode) (mode + 1);
    }
  const MsNode *lb;
  if (!ms_read_child (node, "loadBalancer", MS_NODE_OBJECT, FALSE, &lb, error))
    return FALSE;
  if (lb == NULL)
    return TRUE;
  int kind = 0;
  const MsNode *hash;
  if (!ms_read_object (lb, lb_fields, error)
      || !ms_read_choice (lb, "simple", FALSE, simple, &kind, error)
      || !ms_read_child (lb, "consistentHash", MS_NODE_OBJECT, FALSE, &hash, error))
    return FALSE;
  out->lb = kind == 4 || kind == 5 ? MS_LB_LEAST_REQUEST : (MsLbKind) kind;
  if (hash != NULL)
    {
      const char *header = NULL, *query = NULL, *cookie = NULL;
      gboolean source_ip = FALSE;
      const MsNode *cookie_node;
      if (!ms_read_object (hash, hash_fields, error)
          || !ms_read_string (hash, "httpHeaderName", FALSE, &header, error)
          || !ms_read_string (hash, "httpQueryParameterName", FALSE, &query, error)
          || !ms_read_bool (hash, "useSourceIp", FALSE, &source_ip, error)
          || !ms_read_child (hash, "httpCookie", MS_NODE_OBJECT, FALSE, &cookie_node, error))
        return FALSE;
      if (cookie_node != NULL && !ms_read_string (cookie_node, "name", TRUE, &cookie, error))
        return FALSE;
      out->lb = MS_LB_CONSISTENT_HASH;
      if (header != NULL)
        out->hash = MS_HASH_HEADER, out->hash_key = g_ascii_strdown (header, -1);
      else if (query != NULL)
        out->hash = MS_HASH_QUERY, out->hash_key = g_strdup (query);
      else if (cookie != NULL)
        out->hash = MS_HASH_COOKIE, out->hash_key = g_strdup (cookie);
      else if (source_ip)
        out->hash = MS_HASH_SOURCE_IP;
      else
        return ms_read_fail (error, hash, MS_SCENARIO_ERROR_MISSING,
                             "consistentHash needs httpHeaderName, httpCookie, "
                             "httpQueryParameterName or useSourceIp");
    }
  return TRUE;
}

static gboolean
read_destination_rule (MsIstio *istio, MsCluster *cluster, const MsIstioConfig *config,
                       GError **error)
{
  static const char *const fields[] = {
    "host", "trafficPolicy", "subsets", "exportTo", "workloadSelector", NULL,
  };
  static const char *const subset_fields[] = { "name", "labels", "trafficPolicy", NULL };
  const MsNode *spec, *subsets;
  const char *host = NULL;
  if (!ms_read_child (config->node, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, fields, error)
      || !ms_read_string (spec, "host", TRUE, &host, error)
      || !ms_read_child (spec, "subsets", MS_NODE_ARRAY, FALSE, &subsets, error))
    return FALSE;
  MsDestinationRule *dr = g_new0 (MsDestinationRule, 1);
  g_ptr_array_add (istio->destination_rules, dr);
  dr->name = g_strdup (config->name);
  dr->namespace_ = config->namespace_;
  dr->node = config->node;
  dr->subsets = g_ptr_array_new_with_free_func (subset_free);
  dr->service = resolve_host (cluster, ms_node_get (spec, "host"), host, dr->namespace_, error);
  if (dr->service == NULL
      || !read_traffic_policy (istio, ms_node_get (spec, "trafficPolicy"), &dr->policy, error))
    return FALSE;
  for (guint i = 0; subsets != NULL && i < subsets->children->len; i++)
    {
      const MsNode *node = subsets->children->pdata[i];
      const char *name = NULL;
      if (!ms_read_object (node, subset_fields, error)
          || !ms_read_string (node, "name", TRUE, &name, error))
        return FALSE;
      MsSubset *s = g_new0 (MsSubset, 1);
      g_ptr_array_add (dr->subsets, s);
      s->name = g_strdup (name);
      if (!ms_read_labels (node, "labels", &s->labels, error)
          || !read_traffic_policy (istio, ms_node_get (node, "trafficPolicy"), &s->policy, error))
        return FALSE;
      /* A subset inherits the rule's policy, one component at a time. */
      if (!s->policy.set)
        {
          s->policy = dr->policy;
          s->policy.hash_key = g_strdup (dr->policy.hash_key);
        }
      else
        {
          if (s->policy.connection_pool == NULL)
            {
              s->policy.connection_pool = dr->policy.connection_pool;
              s->policy.pool = dr->policy.pool;
            }
          if (ms_node_get (s->policy.node, "tls") == NULL)
            s->policy.tls = dr->policy.tls;
          if (s->policy.outlier_detection == NULL)
            {
              s->policy.outlier_detection = dr->policy.outlier_detection;
              s->policy.outlier = dr->policy.outlier;
            }
          if (ms_node_get (s->policy.node, "loadBalancer") == NULL)
            {
              s->policy.lb = dr->policy.lb;
              s->policy.hash = dr->policy.hash;
              g_free (s->policy.hash_key);
              s->policy.hash_key = g_strdup (dr->policy.hash_key);
            }
        }
      for (guint j = 0; j + 1 < dr->subsets->len; j++)
        if (g_str_equal (((MsSubset *) dr->subsets->pdata[j])->name, name))
          return ms_read_fail (error, ms_node_get (node, "name"), MS_SCENARIO_ERROR_VALUE,
                               "subset \"%s\" is defined twice", name);
    }
  return TRUE;
}

static gboolean
read_gateway (MsIstio *istio, const MsIstioConfig *config, GError **error)
{
  static const char *const fields[] = { "selector", "servers", NULL };
  static const char *const server_fields[] = {
    "port", "hosts", "tls", "bind", "defaultEndpoint", "name", NULL,
  };
  static const char *const port_fields[] = { "number", "protocol", "name", "targetPort", NULL };
  const MsNode *spec, *servers;
  if (!ms_read_child (config->node, "spec", MS_NODE_OBJECT, TRUE, &spec, error)
      || !ms_read_object (spec, fields, error)
      || !ms_read_child (spec, "servers", MS_NODE_ARRAY, TRUE, &servers, error))
    return FALSE;
  MsGateway *g = g_new0 (MsGateway, 1);
  g_ptr_array_add (istio->gateways, g);
  g->name = g_strdup (config->name);
  g->namespace_ = config->namespace_;
  g->node = config->node;
  g->servers = g_array_new (FALSE, TRUE, sizeof (MsGatewayServer));
  if (!ms_read_labels (spec, "selector", &g->selector, error))
    return FALSE;
  for (guint i = 0; i < servers->children->len; i++)
    {
      const MsNode *node = servers->children->pdata[i], *port;
      MsGatewayServer server = { 0 };
      gint64 number = 0;
      const char *protocol = "HTTP";
      if (!ms_read_object (node, server_fields, error)
          || !ms_read_child (node, "port", MS_NODE_OBJECT, TRUE, &port, error)
          || !ms_read_object (port, port_fields, error)
          || !ms_read_int (port, "number", TRUE, 1, 65535, &number, error)
          || !ms_read_string (port, "protocol", FALSE, &protocol, error)
          || !read_strings (node, "hosts", &server.hosts, error))
        {
          g_strfreev (server.hosts);
          return FALSE;
        }
      server.port = (int) number;
      server.protocol = g_strdup (protocol);
      g_array_append_val (g->servers, server);
      if (server.hosts == NULL || server.hosts[0] == NULL)
        return ms_read_fail (error, node, MS_SCENARIO_ERROR_MISSING,
                             "a Gateway server needs 'hosts' (\"*\" for any)");
    }
  return TRUE;
}

MsIstio *
ms_istio_new (const MsScenario *scenario, MsCluster *cluster, GError **error)
{
  return ms_istio_new_from (scenario->istio_resources, scenario->istio, cluster, error);
}

MsIstio *
ms_istio_new_from (const GPtrArray *list, const char *release, MsCluster *cluster,
                   GError **error)
{
  g_autoptr (MsIstio) istio = g_new0 (MsIstio, 1);
  istio->istio = g_strdup (release);
  istio->gateways = g_ptr_array_new_with_free_func (gateway_free);
  istio->virtual_services = g_ptr_array_new_with_free_func (virtual_service_free);
  istio->destination_rules = g_ptr_array_new_with_free_func (destination_rule_free);
  istio->warnings = g_ptr_array_new_with_free_func (g_free);
  ms_istio_default_retries (istio->istio, &istio->default_retries);
  /* DestinationRules first: routes check their subsets against them. */
  for (guint i = 0; i < list->len; i++)
    {
      const MsIstioConfig *c = list->pdata[i];
      if (g_str_equal (c->kind, "DestinationRule")
          && !read_destination_rule (istio, cluster, c, error))
        return NULL;
      if (g_str_equal (c->kind, "Gateway") && !read_gateway (istio, c, error))
        return NULL;
    }
  for (guint i = 0; i < list->len; i++)
    {
      const MsIstioConfig *c = list->pdata[i];
      if (g_str_equal (c->kind, "VirtualService")
          && !read_virtual_service (istio, cluster, c, error))
        return NULL;
    }
  /* Cross-checks Istio accepts but that cannot work as written. */
  for (guint i = 0; i < istio->virtual_services->len; i++)
    {
      MsVirtualService *vs = istio->virtual_services->pdata[i];
      for (char **g = vs->gateways; *g; g++)
        {
          if (g_str_equal (*g, "mesh"))
            continue;
          gboolean found = FALSE;
          for (guint k = 0; k < istio->gateways->len && !found; k++)
            {
              MsGateway *gw = istio->gateways->pdata[k];
              g_autofree char *full = g_strdup_printf ("%s/%s", gw->namespace_, gw->name);
              found = g_str_equal (full, *g);
            }
          if (!found)
            warn (istio, ms_node_get (ms_node_get (vs->node, "spec"), "gateways"),
                  "VirtualService %s is bound to Gateway %s, which does not exist, so no "
                  "gateway uses it", vs->name, *g);
        }
      for (guint r = 0; r < vs->http->len; r++)
        {
          MsHttpRoute *route = vs->http->pdata[r];
          for (guint d = 0; d < route->route->len; d++)
            {
              MsRouteDestination *dest = route->route->pdata[d];
              if (dest->subset == NULL)
                continue;
              const MsDestinationRule *dr = ms_istio_dr_for (istio, dest->service);
              if (dr == NULL || ms_istio_subset (dr, dest->subset) == NULL)
                warn (istio, ms_node_get (ms_node_get (dest->node, "destination"), "subset"),
                      "subset \"%s\" of %s is not defined by any DestinationRule; requests "
                      "routed here get 503 NC", dest->subset, dest->service->name);
            }
        }
    }
  return g_steal_pointer (&istio);
}

gboolean
ms_string_match (const MsStringMatch *m, const char *value, gboolean ignore_case)
{
  if (value == NULL)
    return FALSE;
  switch (m->kind)
    {
    case MS_MATCH_ANY:
      return TRUE;
    case MS_MATCH_EXACT:
      return ignore_case ? g_ascii_strcasecmp (m->value, value) == 0 : g_str_equal (m->value, value);
    case MS_MATCH_PREFIX:
      return ignore_case ? g_ascii_strncasecmp (m->value, value, strlen (m->value)) == 0
                         : g_str_has_prefix (value, m->value);
    case MS_MATCH_REGEX:
      return g_regex_match (m->regex, value, 0, NULL);
    default:
      g_assert_not_reached ();
    }
}

const MsVirtualService *
ms_istio_vs_for_mesh (const MsIstio *istio, const MsService *service, const char *client_ns)
{
  (void) client_ns;
  for (guint i = 0; i < istio->virtual_services->len; i++)
    {
      const MsVirtualService *vs = istio->virtual_services->pdata[i];
      if (!g_strv_contains ((const char *const *) vs->gateways, "mesh"))
        continue;
      for (char **h = vs->hosts_fqdn; *h; h++)
        if (host_matches (*h, service->fqdn))
          return vs;
    }
  return NULL;
}

const MsDestinationRule *
ms_istio_dr_for (const MsIstio *istio, const MsService *service)
{
  for (guint i = 0; i < istio->destination_rules->len; i++)
    {
      const MsDestinationRule *dr = istio->destination_rules->pdata[i];
      if (dr->service == service)
        return dr;
    }
  return NULL;
}

const MsSubset *
ms_istio_subset (const MsDestinationRule *rule, const char *name)
{
  for (guint i = 0; i < rule->subsets->len; i++)
    {
      const MsSubset *s = rule->subsets->pdata[i];
      if (g_str_equal (s->name, name))
        return s;
    }
  return NULL;
}
