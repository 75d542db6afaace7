/* sim/app/serve.c - `meshsim serve`: one live simulation behind HTTP.
 *
 * The scenario is built once and its clock follows the wall clock (times
 * --speed), driven by the engine's GSource in the same GMainLoop as
 * libsoup's server.  An HTTP request becomes a request in the mesh, sent
 * from the lab's load-tester pod (or the workload named by the
 * X-Meshsim-From header, or "ingress"); the server message is paused until
 * the simulated answer comes back, and then carries its status, body and a
 * few X-Meshsim-* headers.  The scenario's own traffic, faults and
 * timeline run too, so the mesh is as busy as the scenario says.
 *
 * Admin endpoints live under /_meshsim/: report (JSON), metrics
 * (Prometheus), config.  The server listens on loopback unless --bind says
 * otherwise; bodies are capped; SIGINT and SIGTERM stop it and print the
 * final report.  This is the only libsoup user in meshsim.
 */
#include "sim/app/serve.h"

#include "models/world.h"
#include "sim/core/source.h"
#include "sim/io/read.h"
#include "sim/io/report-text.h"

#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_BODY (64 * 1024)

typedef struct {
  MsWorld *world;
  MsSim *sim;
  GSource *clock;
  GMainLoop *loop;
  SoupServer *server;
  const char *default_from;
  guint64 served;
  GPtrArray *pending;      /* Pending *, waiting for the simulation */
  gint64 wall_start;       /* monotonic, microseconds */
} Serve;

static gint64
wall_ms (const Serve *s)
{
  return (g_get_monotonic_time () - s->wall_start) / 1000;
}

typedef struct {
  Serve *serve;
  SoupServerMessage *message;
  char *note;              /* X-Meshsim-Note, or NULL */
} Pending;

static void
answer_text (SoupServerMessage *msg, guint status, const char *type, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, text, strlen (text));
}

/* The simulated answer arrived: hand it to the HTTP client. */
static void
exchange_done (MsExchange *ex, gpointer data)
{
  Pending *p = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (p->message);
  char flags[64];
  soup_message_headers_replace (headers, "X-Meshsim-Flags", ms_response_flags_format (ex->flags, flags));
  if (ex->upstream != NULL)
    soup_message_headers_replace (headers, "X-Meshsim-Upstream", ex->upstream->name);
  if (p->note != NULL)
    soup_message_headers_replace (headers, "X-Meshsim-Note", p->note);
  g_autofree char *now = g_strdup_printf ("%.3f", (double) ms_sim_now (p->serve->sim) / 1e6);
  soup_message_headers_replace (headers, "X-Meshsim-Time", now);
  if (ex->status == 0)
    {
      /* No HTTP response in the simulation: curl would print 000 (exit 56
       * for a reset); here the client needs some status, and the header
       * says what really happened. */
      soup_message_headers_replace (headers, "X-Meshsim-Status", "0");
      answer_text (p->message, SOUP_STATUS_BAD_GATEWAY, "text/plain",
                   "meshsim: no HTTP response (the connection was refused or reset)\n");
    }
  else
    {
      g_autoptr (GString) body = g_string_new (NULL);
      if (ex->body != NULL)
        ms_body_write (ex->body, body);
      const char *type = body->len > 0 && (body->str[0] == '{' || body->str[0] == '[')
                           ? "application/json" : "text/plain";
      soup_server_message_set_status (p->message, (guint) ex->status, NULL);
      soup_server_message_set_response (p->message, type, SOUP_MEMORY_COPY, body->str, body->len);
    }
  soup_server_message_unpause (p->message);
  g_ptr_array_remove_fast (p->serve->pending, p);
  g_object_unref (p->message);
  ms_exchange_unref (ex);
  g_free (p->note);
  g_free (p);
}

/* A short Host that does not resolve from the sender's namespace but names
 * exactly one Service elsewhere is sent there, with a note: the lab's curl
 * commands use such names from namespace testing. */
static const char *
resolve_host (Serve *s, const char *host, const MsPod *from, char **note)
{
  MsCluster *cluster = ms_world_cluster (s->world);
  if (strchr (host, '.') != NULL || from->namespace_ == NULL
      || ms_cluster_resolve (cluster, host, from->namespace_) != NULL)
    return host;
  const GPtrArray *services = ms_cluster_services (cluster);
  MsService *found = NULL;
  for (guint i = 0; i < services->len; i++)
    {
      MsService *svc = services->pdata[i];
      if (g_str_equal (svc->name, host))
        {
          if (found != NULL)
            return host;
          found = svc;
        }
    }
  if (found == NULL)
    return host;
  *note = g_strdup_printf ("%s does not resolve from namespace %s; sent to %s.%s (on a cluster, "
                           "write the namespace)", host, from->namespace_, found->name,
                           found->namespace_);
  g_autofree char *full = g_strdup_printf ("%s.%s", found->name, found->namespace_);
  return g_intern_string (full);
}

static void
handle_admin (Serve *s, SoupServerMessage *msg, const char *path)
{
  ms_world_mark_end (s->world);
  if (g_str_equal (path, "/_meshsim/report"))
    {
      g_autoptr (MsReport) report = ms_world_report (s->world, wall_ms (s));
      g_autoptr (GString) out = g_string_new (NULL);
      ms_report_write_json (report, out);
      answer_text (msg, SOUP_STATUS_OK, "application/json", out->str);
    }
  else if (g_str_equal (path, "/_meshsim/metrics"))
    {
      MsTelemetry *telemetry = ms_world_telemetry (s->world);
      g_autoptr (GString) out = telemetry ? ms_telemetry_metrics (telemetry) : g_string_new ("");
      answer_text (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4", out->str);
    }
  else if (g_str_equal (path, "/_meshsim/apply") || g_str_equal (path, "/_meshsim/delete")
           || g_str_equal (path, "/_meshsim/fault"))
    {
      if (!g_str_equal (soup_server_message_get_method (msg), "POST"))
        {
          answer_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain",
                       "meshsim: POST the resource (or fault) as the request body\n");
          return;
        }
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      if (body->length > MAX_BODY)
        {
          answer_text (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "text/plain",
                       "meshsim: request bodies are capped at 64 KiB\n");
          return;
        }
      g_autoptr (GError) error = NULL;
      gboolean ok = g_str_equal (path, "/_meshsim/fault")
                      ? ms_world_inject_fault (s->world, body->data, body->length, &error)
                      : ms_world_change (s->world, body->data, body->length,
                                         g_str_equal (path, "/_meshsim/delete"), &error);
      if (!ok)
        {
          g_autofree char *text = g_strdup_printf ("meshsim: %s\n", error->message);
          answer_text (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", text);
          return;
        }
      const char *what = g_str_equal (path, "/_meshsim/fault") ? "fault scheduled"
                         : g_str_equal (path, "/_meshsim/delete") ? "deleted" : "applied";
      g_autofree char *text = g_strdup_printf ("meshsim: %s at %.3f s of virtual time\n", what,
                                               (double) ms_sim_now (s->sim) / 1e6);
      answer_text (msg, SOUP_STATUS_OK, "text/plain", text);
    }
  else if (g_str_equal (path, "/_meshsim/config"))
    {
      g_autofree char *text = g_strdup_printf (
        "{\"virtual_time_s\": %.3f, \"requests_served\": %" G_GUINT64_FORMAT
        ", \"default_from\": \"%s\"}\n", (double) ms_sim_now (s->sim) / 1e6, s->served,
        s->default_from);
      answer_text (msg, SOUP_STATUS_OK, "application/json", text);
    }
  else
    answer_text (msg, SOUP_STATUS_NOT_FOUND, "text/plain",
                 "meshsim: admin endpoints are /_meshsim/report, /metrics, /config, and "
                 "POST /_meshsim/apply, /delete, /fault\n");
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer data)
{
  (void) server;
  (void) query;
  Serve *s = data;
  ms_sim_source_catch_up (s->clock);
  if (g_str_has_prefix (path, "/_meshsim/"))
    {
      handle_admin (s, msg, path);
      return;
    }
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  if (body->length > MAX_BODY)
    {
      answer_text (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "text/plain",
                   "meshsim: request bodies are capped at 64 KiB\n");
      return;
    }
  const char *from_name = soup_message_headers_get_one (headers, "X-Meshsim-From");
  g_autoptr (GError) error = NULL;
  MsPod *from = ms_world_source (s->world, from_name ? from_name : s->default_from, &error);
  if (from == NULL)
    {
      g_autofree char *text = g_strdup_printf ("meshsim: X-Meshsim-From: %s\n", error->message);
      answer_text (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", text);
      return;
    }
  GUri *uri = soup_server_message_get_uri (msg);
  const char *host = soup_message_headers_get_one (headers, "Host");
  g_autofree char *bare = g_ascii_strdown (host ? host : g_uri_get_host (uri), -1);
  char *colon = strchr (bare, ':');
  int port = 80;
  if (colon != NULL)
    {
      /* The port curl puts in Host is serve's own, unless a Host header
       * was given explicitly with a Service port. */
      *colon = '\0';
      if (host != NULL && g_uri_get_port (uri) != atoi (colon + 1))
        port = atoi (colon + 1);
    }
  if (*bare == '\0' || g_str_equal (bare, "localhost") || g_str_equal (bare, "127.0.0.1"))
    {
      answer_text (msg, SOUP_STATUS_BAD_REQUEST, "text/plain",
                   "meshsim: say which Service with a Host header, e.g. "
                   "curl -H 'Host: saga-orchestrator' http://127.0.0.1:8080/api/saga/start\n");
      return;
    }
  char *note = NULL;
  const char *target = resolve_host (s, g_intern_string (bare), from, &note);
  const char *query_text = g_uri_get_query (uri);
  g_autofree char *path_query = query_text ? g_strdup_printf ("%s?%s", path, query_text)
                                           : g_strdup (path);
  /* A name no Service answers to would end in the sender's DNS lookup, not
   * in the mesh (curl: "Could not resolve host"); say so as the scenario
   * loader does, with the nearest name.  The ingress gateway matches Hosts
   * against its Gateways and VirtualServices instead, so it is left to the
   * mesh. */
  if (from != ms_world_source (s->world, "ingress", NULL))
    {
      MsUrl url = { .host = target, .port = port, .path = path };
      int service_port = 0;
      if (ms_cluster_check_url (ms_world_cluster (s->world), &url, from->namespace_, NULL,
                                &service_port, &error) == NULL)
        {
          g_autofree char *text = g_strdup_printf ("meshsim: Host: %s\n", error->message);
          answer_text (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", text);
          g_free (note);
          return;
        }
    }
  MsRequest *request = ms_request_new (ms_cluster_pool (ms_world_cluster (s->world)));
  request->method = g_intern_string (soup_server_message_get_method (msg));
  request->host = target;
  request->port = port;
  request->path = g_intern_string (path_query);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      if (g_str_equal (lower, "host") || g_str_equal (lower, "content-length")
          || g_str_has_prefix (lower, "x-meshsim-") || g_str_equal (lower, "accept")
          || g_str_equal (lower, "connection"))
        continue;
      ms_request_set_header (request, lower, value);
    }
  if (body->length > 0)
    request->body = ms_body_new_text (body->data, body->length);
  Pending *p = g_new0 (Pending, 1);
  p->serve = s;
  p->message = g_object_ref (msg);
  p->note = note;
  g_ptr_array_add (s->pending, p);
  s->served++;
  MsExchange *ex = ms_exchange_new (ms_cluster_pool (ms_world_cluster (s->world)), request, from,
                                    ms_sim_now (s->sim), exchange_done, p);
  ms_request_unref (request);
  soup_server_message_pause (msg);
  ms_pod_send (from, ex);
}

/* A listening socket with a backlog as deep as the kernel allows.
 * soup_server_listen() keeps GSocket's default of 10 pending connections:
 * when 200 clients connect at once the kernel drops the rest of their
 * handshakes, and they retry after 1, 3 and 7 s, which a load test reads
 * as multi-second latencies and timeouts that are not the simulation's. */
static GSocket *
listen_socket (GSocketAddress *address, GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new (g_socket_address_get_family (address),
                                             G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static gboolean
on_signal (gpointer data)
{
  Serve *s = data;
  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

int
ms_serve_run (const char *file, const char *bind, int port, double speed, gboolean quiet)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load (file, &error);
  if (scenario == NULL)
    {
      fprintf (stderr, "meshsim: error: %s\n", error->message);
      return 2;
    }
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  if (world == NULL)
    {
      fprintf (stderr, "meshsim: error: %s\n", error->message);
      return 2;
    }
  const GPtrArray *warnings = ms_world_warnings (world);
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "meshsim: warning: %s\n", (const char *) warnings->pdata[i]);
  MsTelemetryOutputs outputs = { .live_metrics = TRUE };
  if (!ms_world_set_outputs (world, &outputs, &error))
    {
      fprintf (stderr, "meshsim: error: %s\n", error->message);
      return 2;
    }

  Serve s = { .world = world, .sim = ms_world_sim (world), .pending = g_ptr_array_new () };
  /* The lab's curl commands run in the load-tester pod. */
  g_autoptr (GError) probe = NULL;
  s.default_from = ms_world_source (world, "load-tester", &probe) ? "load-tester" : "outside";
  s.loop = g_main_loop_new (NULL, FALSE);
  s.server = soup_server_new ("server-header", "meshsim", NULL);
  soup_server_add_handler (s.server, NULL, handle, &s, NULL);
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (bind);
  if (address == NULL)
    {
      fprintf (stderr, "meshsim: error: --bind %s is not an IP address\n", bind);
      return 2;
    }
  g_autoptr (GSocketAddress) socket_address = g_inet_socket_address_new (address, (guint16) port);
  g_autoptr (GSocket) listener = listen_socket (socket_address, &error);
  if (listener == NULL || !soup_server_listen_socket (s.server, listener, 0, &error))
    {
      fprintf (stderr, "meshsim: error: cannot listen on %s:%d: %s\n", bind, port, error->message);
      return 2;
    }
  GSList *uris = soup_server_get_uris (s.server);
  int bound = uris ? g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  ms_world_start (world);
  s.clock = ms_sim_source_new (s.sim, speed);
  g_source_attach (s.clock, NULL);
  g_unix_signal_add (SIGINT, on_signal, &s);
  g_unix_signal_add (SIGTERM, on_signal, &s);
  printf ("meshsim: serving %s on http://%s:%d (speed %g, requests from %s)\n", file, bind, bound,
          speed, s.default_from);
  printf ("  try: curl -H 'Host: <service>' http://%s:%d/<path>   (Ctrl-C prints the report)\n",
          bind, bound);
  fflush (stdout);
  s.wall_start = g_get_monotonic_time ();
  g_main_loop_run (s.loop);

  g_source_destroy (s.clock);
  g_source_unref (s.clock);
  /* Requests still in the simulation when we stop: their clients get no
   * answer (the connections close with the server). */
  for (guint i = 0; i < s.pending->len; i++)
    {
      Pending *p = s.pending->pdata[i];
      g_object_unref (p->message);
      g_free (p->note);
      g_free (p);
    }
  g_ptr_array_unref (s.pending);
  soup_server_disconnect (s.server);
  g_object_unref (s.server);
  g_main_loop_unref (s.loop);
  ms_world_mark_end (world);
  if (!quiet)
    {
      g_autoptr (MsReport) report = ms_world_report (world, wall_ms (&s));
      g_autoptr (GString) out = g_string_new (NULL);
      ms_report_write_text (report, out);
      fputs (out->str, stdout);
    }
  return 0;
}
