/* tests/app/test-serve.c - serve mode through a real HTTP client.
 *
 * Starts `meshsim serve` on a free loopback port with the lab scenario,
 * sends the lab sheet's requests with libsoup's client, checks the
 * simulated answers, and stops it with SIGTERM.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static const char *meshsim;

typedef struct {
  GPid pid;
  int port;
  SoupSession *session;
} Server;

static void
server_start (Server *s)
{
  g_autofree char *scenario = g_build_filename (g_getenv ("MESHSIM_SOURCE_ROOT"), "scenarios",
                                                "lab", "handson1.json", NULL);
  const char *argv[] = { meshsim, "serve", scenario, "--port", "0", "--quiet", "--speed", "10",
                         NULL };
  int out = -1;
  g_autoptr (GError) error = NULL;
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD
                            | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &s->pid, NULL, &out, NULL,
                            &error);
  g_assert_no_error (error);
  /* The first line says where it listens. */
  g_autoptr (GIOChannel) channel = g_io_channel_unix_new (out);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_autofree char *line = NULL;
  g_io_channel_read_line (channel, &line, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  const char *at = strstr (line, "127.0.0.1:");
  g_assert_nonnull (at);
  s->port = atoi (at + strlen ("127.0.0.1:"));
  g_assert_cmpint (s->port, >, 0);
  s->session = soup_session_new ();
  /* Loopback only: no proxy lookup (GIO's libproxy module is slow and, under
   * LeakSanitizer, reports its own leaks). */
  soup_session_set_proxy_resolver (s->session, NULL);
}

static int
server_stop (Server *s)
{
  kill (s->pid, SIGTERM);
  int status = 0;
  waitpid (s->pid, &status, 0);
  g_spawn_close_pid (s->pid);
  g_clear_object (&s->session);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Sends one request; returns the status, the body in *body. */
static guint
send (Server *s, const char *method, const char *host, const char *path, const char *header,
      const char *value, char **body, char **upstream)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d%s", s->port, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  if (host != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Host", host);
  if (header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header, value);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = soup_session_send_and_read (s->session, msg, NULL, &error);
  g_assert_no_error (error);
  *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (upstream != NULL)
    *upstream = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                        "X-Meshsim-Upstream"));
  return soup_message_get_status (msg);
}

static guint
post (Server *s, const char *path, const char *text, char **body)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%d%s", s->port, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr (GBytes) payload = g_bytes_new (text, strlen (text));
  soup_message_set_request_body_from_bytes (msg, "application/json", payload);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = soup_session_send_and_read (s->session, msg, NULL, &error);
  g_assert_no_error (error);
  *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (msg);
}

static void
test_lab_requests (void)
{
  g_test_summary ("The lab sheet's curl commands against serve mode get simulated answers; "
                  "SIGTERM stops it cleanly");
  Server s = { 0 };
  server_start (&s);
  g_autofree char *body = NULL, *upstream = NULL;

  /* Two saga starts are two sagas, each really run. */
  g_assert_cmpuint (send (&s, "GET", "saga-orchestrator", "/api/saga/start", NULL, NULL, &body,
                          &upstream), ==, 200);
  g_assert_nonnull (strstr (body, "process_payment"));
  g_assert_cmpstr (upstream, ==, "saga-orchestrator-0");
  g_autofree char *first = g_strdup (strstr (body, "\"saga_id\""));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&upstream, g_free);
  g_assert_cmpuint (send (&s, "GET", "saga-orchestrator", "/api/saga/start", NULL, NULL, &body,
                          NULL), ==, 200);
  g_assert_nonnull (first);
  g_assert_cmpint (strncmp (first, strstr (body, "\"saga_id\""), 20), !=, 0);
  g_clear_pointer (&body, g_free);

  /* The canary header always reaches v2. */
  for (int i = 0; i < 5; i++)
    {
      g_assert_cmpuint (send (&s, "GET", "user-service", "/api/users", "canary", "true", &body,
                              &upstream), ==, 200);
      g_assert_true (g_str_has_prefix (upstream, "user-service-v2-"));
      g_clear_pointer (&body, g_free);
      g_clear_pointer (&upstream, g_free);
    }

  /* A command is stored as an event, and the query side shows it once the
   * projector has caught up (a few hundred ms of virtual time). */
  g_assert_cmpuint (send (&s, "POST", "command-service", "/api/commands/create-user", NULL, NULL,
                          &body, NULL), ==, 200);
  g_assert_nonnull (strstr (body, "\"event_id\""));
  g_clear_pointer (&body, g_free);
  g_usleep (G_USEC_PER_SEC / 2);
  g_assert_cmpuint (send (&s, "GET", "query-service", "/api/queries/users", NULL, NULL, &body,
                          NULL), ==, 200);
  g_assert_nonnull (strstr (body, "\"as_of_position\""));
  g_clear_pointer (&body, g_free);

  /* From the ingress gateway, by X-Meshsim-From. */
  g_assert_cmpuint (send (&s, "GET", "shop.example", "/api/orders", "X-Meshsim-From", "ingress",
                          &body, &upstream), ==, 200);
  g_assert_true (g_str_has_prefix (upstream, "order-service-"));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&upstream, g_free);

  /* Bad input: no Host naming a Service, an unknown source. */
  g_assert_cmpuint (send (&s, "GET", NULL, "/api/users", NULL, NULL, &body, NULL), ==, 400);
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (send (&s, "GET", "user-service", "/", "X-Meshsim-From", "nobody", &body, NULL),
                    ==, 400);
  g_clear_pointer (&body, g_free);
  /* A misspelt Service is a DNS failure, answered with the nearest name,
   * not a simulated connection reset. */
  g_assert_cmpuint (send (&s, "GET", "user-servce", "/api/users", NULL, NULL, &body, NULL), ==, 400);
  g_assert_nonnull (strstr (body, "did you mean \"user-service\"?"));
  g_clear_pointer (&body, g_free);

  /* Breaking things live: a fault on v2, then a VirtualService sending
   * everything to v1. */
  g_autofree char *fault = NULL, *apply = NULL;
  g_assert_cmpuint (post (&s, "/_meshsim/fault",
                          "{\"target\": \"user-service-v2\", \"error\": {\"status\": 503}}",
                          &fault), ==, 200);
  g_assert_true (g_str_has_prefix (fault, "meshsim: fault scheduled at "));
  g_assert_cmpuint (send (&s, "GET", "user-service", "/api/users", "canary", "true", &body, NULL),
                    ==, 503);
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (post (&s, "/_meshsim/apply",
                          "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
                          "metadata: {name: user-service-canary, namespace: ecommerce-microservices}\n"
                          "spec:\n  hosts: [user-service]\n  http:\n"
                          "  - route: [{destination: {host: user-service, subset: v1}}]\n",
                          &apply), ==, 200);
  g_assert_true (g_str_has_prefix (apply, "meshsim: applied at "));
  g_assert_cmpuint (send (&s, "GET", "user-service", "/api/users", "canary", "true", &body,
                          &upstream), ==, 200);
  g_assert_true (g_str_has_prefix (upstream, "user-service-v1-"));
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&upstream, g_free);
  g_autofree char *bad = NULL;
  g_assert_cmpuint (post (&s, "/_meshsim/delete", "{\"kind\": \"VirtualService\", \"name\": \"nope\"}",
                          &bad), ==, 400);
  g_assert_nonnull (strstr (bad, "nothing to delete"));
  g_autofree char *wrong_namespace = NULL;
  g_assert_cmpuint (post (&s, "/_meshsim/delete",
                          "{\"kind\": \"VirtualService\", \"name\": \"user-service-canary\"}",
                          &wrong_namespace), ==, 400);
  g_assert_nonnull (strstr (wrong_namespace,
                            "there is one in namespace ecommerce-microservices: "
                            "add \"namespace\": \"ecommerce-microservices\""));

  /* The report counts what was served. */
  g_assert_cmpuint (send (&s, "GET", NULL, "/_meshsim/report", NULL, NULL, &body, NULL), ==, 200);
  g_assert_nonnull (strstr (body, "\"services\""));
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (send (&s, "GET", NULL, "/_meshsim/metrics", NULL, NULL, &body, NULL), ==, 200);
  g_assert_nonnull (strstr (body, "istio_requests_total{"));
  g_clear_pointer (&body, g_free);

  g_assert_cmpint (server_stop (&s), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  meshsim = g_getenv ("MESHSIM_BINARY");
  g_assert_nonnull (meshsim);
  g_test_add_func ("/app/serve/lab-requests", test_lab_requests);
  return g_test_run ();
}
