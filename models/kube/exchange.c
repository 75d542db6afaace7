/* models/kube/exchange.c - pooled requests, exchanges and lazy bodies.
 *
 * Requests and exchanges are the objects a run creates most of (several per
 * simulated HTTP call), so they come from free lists owned by the cluster's
 * MsExchangePool and go back there when their last reference drops.  A body
 * is either a text or a composite of a base object and named members; the
 * composite is only written out when someone reads it (a serve-mode client,
 * a test), so passing call results up a chain costs one small allocation.
 */
#include "models/kube/exchange.h"

#include <string.h>

struct _MsExchangePool {
  MsRequest *free_requests;     /* linked through body (unused when free) */
  MsExchange *free_exchanges;
  GPtrArray *request_slabs;
  GPtrArray *exchange_slabs;
  guint64 next_request_id;
  guint64 live_exchanges;
  guint64 peak_exchanges;
  gsize bytes;
};

#define SLAB 1024

MsExchangePool *
ms_exchange_pool_new (void)
{
  MsExchangePool *pool = g_new0 (MsExchangePool, 1);
  pool->request_slabs = g_ptr_array_new_with_free_func (g_free);
  pool->exchange_slabs = g_ptr_array_new_with_free_func (g_free);
  return pool;
}

void
ms_exchange_pool_free (MsExchangePool *pool)
{
  if (pool == NULL)
    return;
  /* A run can end with requests in flight (the drain limit, or work an app
   * still does after its client gave up).  Their bodies are the only
   * memory they own outside the slabs. */
  for (guint i = 0; i < pool->exchange_slabs->len; i++)
    {
      MsExchange *slab = pool->exchange_slabs->pdata[i];
      for (guint k = 0; k < SLAB; k++)
        if (slab[k].refcount > 0)
          g_clear_pointer (&slab[k].body, ms_body_unref);
    }
  for (guint i = 0; i < pool->request_slabs->len; i++)
    {
      MsRequest *slab = pool->request_slabs->pdata[i];
      for (guint k = 0; k < SLAB; k++)
        if (slab[k].refcount > 0)
          g_clear_pointer (&slab[k].body, ms_body_unref);
    }
  g_ptr_array_unref (pool->request_slabs);
  g_ptr_array_unref (pool->exchange_slabs);
  g_free (pool);
}

void
ms_exchange_pool_stats (const MsExchangePool *pool, gsize *bytes, guint64 *peak_exchanges)
{
  *bytes = pool->bytes;
  *peak_exchanges = pool->peak_exchanges;
}

const char *
ms_response_flags_format (guint32 flags, char *buf)
{
  /* Envoy prints flags in the order of its ResponseFlag enum
   * (stream_info.h), which is why access logs read "UF,URX". */
  static const struct {
    guint32 flag;
    const char *name;
  } order[MS_FLAG_COUNT] = {
    { MS_FLAG_UH, "UH" }, { MS_FLAG_UT, "UT" }, { MS_FLAG_LR, "LR" }, { MS_FLAG_UR, "UR" },
    { MS_FLAG_UF, "UF" }, { MS_FLAG_UC, "UC" }, { MS_FLAG_UO, "UO" }, { MS_FLAG_NR, "NR" },
    { MS_FLAG_DI, "DI" }, { MS_FLAG_FI, "FI" }, { MS_FLAG_RL, "RL" }, { MS_FLAG_DC, "DC" },
    { MS_FLAG_URX, "URX" }, { MS_FLAG_NC, "NC" }, { MS_FLAG_DF, "DF" },
  };
  if (flags == 0)
    return strcpy (buf, "-");
  buf[0] = '\0';
  for (int i = 0; i < MS_FLAG_COUNT; i++)
    if (flags & order[i].flag)
      {
        if (buf[0] != '\0')
          strcat (buf, ",");
        strcat (buf, order[i].name);
      }
  return buf;
}

/* Requests. */

MsRequest *
ms_request_new (MsExchangePool *pool)
{
  if (G_UNLIKELY (pool->free_requests == NULL))
    {
      MsRequest *slab = g_new0 (MsRequest, SLAB);
      g_ptr_array_add (pool->request_slabs, slab);
      pool->bytes += SLAB * sizeof (MsRequest);
      for (guint i = 0; i < SLAB; i++)
        {
          slab[i].body = (MsBody *) pool->free_requests;
          pool->free_requests = &slab[i];
        }
    }
  MsRequest *request = pool->free_requests;
  pool->free_requests = (MsRequest *) request->body;
  /* Every field but the header slots, which n_headers guards: clearing
   * them would cost more than the rest of the request. */
  memset (request, 0, G_STRUCT_OFFSET (MsRequest, headers));
  request->pool = pool;
  request->refcount = 1;
  request->id = ++pool->next_request_id;
  request->method = "GET";
  request->path = "/";
  request->port = 80;
  return request;
}

MsRequest *
ms_request_ref (MsRequest *request)
{
  request->refcount++;
  return request;
}

void
ms_request_unref (MsRequest *request)
{
  if (request == NULL || --request->refcount > 0)
    return;
  g_clear_pointer (&request->body, ms_body_unref);
  MsExchangePool *pool = request->pool;
  request->body = (MsBody *) pool->free_requests;
  pool->free_requests = request;
}

MsRequest *
ms_request_copy (const MsRequest *request)
{
  MsRequest *copy = ms_request_new (request->pool);
  guint64 id = copy->id;
  memcpy (copy, request, sizeof *copy);
  copy->refcount = 1;
  copy->id = id;
  if (copy->body != NULL)
    ms_body_ref (copy->body);
  return copy;
}

const char *
ms_request_header (const MsRequest *request, const char *name)
{
  for (guint i = 0; i < request->n_headers; i++)
    if (g_str_equal (request->headers[i].name, name))
      return request->headers[i].value;
  return NULL;
}

gboolean
ms_request_set_header (MsRequest *request, const char *name, const char *value)
{
  return ms_request_set_header_interned (request, g_intern_string (name), g_intern_string (value));
}

gboolean
ms_request_set_header_interned (MsRequest *request, const char *name, const char *value)
{
  for (guint i = 0; i < request->n_headers; i++)
    if (request->headers[i].name == name)
      {
        request->headers[i].value = value;
        return TRUE;
      }
  if (request->n_headers == MS_REQUEST_MAX_HEADERS)
    return FALSE;
  request->headers[request->n_headers++] = (MsHeader){ name, value };
  return TRUE;
}

/* Exchanges. */

MsExchange *
ms_exchange_new (MsExchangePool *pool, MsRequest *request, MsPod *source, MsTime now,
                 MsExchangeDone done, gpointer done_data)
{
  if (G_UNLIKELY (pool->free_exchanges == NULL))
    {
      MsExchange *slab = g_new0 (MsExchange, SLAB);
      g_ptr_array_add (pool->exchange_slabs, slab);
      pool->bytes += SLAB * sizeof (MsExchange);
      for (guint i = 0; i < SLAB; i++)
        {
          slab[i].next_free = pool->free_exchanges;
          pool->free_exchanges = &slab[i];
        }
    }
  MsExchange *ex = pool->free_exchanges;
  pool->free_exchanges = ex->next_free;
  memset (ex, 0, sizeof *ex);
  ex->pool = pool;
  ex->refcount = 1;
  ex->request = ms_request_ref (request);
  ex->source = source;
  ex->start = now;
  ex->done = done;
  ex->done_data = done_data;
  if (++pool->live_exchanges > pool->peak_exchanges)
    pool->peak_exchanges = pool->live_exchanges;
  return ex;
}

MsExchange *
ms_exchange_ref (MsExchange *exchange)
{
  exchange->refcount++;
  return exchange;
}

void
ms_exchange_unref (MsExchange *ex)
{
  if (ex == NULL || --ex->refcount > 0)
    return;
  ms_request_unref (ex->request);
  g_clear_pointer (&ex->body, ms_body_unref);
  MsExchangePool *pool = ex->pool;
  pool->live_exchanges--;
  ex->next_free = pool->free_exchanges;
  pool->free_exchanges = ex;
}

void
ms_exchange_finish (MsExchange *ex, int status, guint32 flags, MsReset reset, MsBody *body)
{
  g_return_if_fail (!ex->finished);
  ex->finished = TRUE;
  ex->status = status;
  ex->flags |= flags;
  ex->reset = reset;
  if (body != NULL)
    ex->body = ms_body_ref (body);
  if (!ex->cancelled && ex->done != NULL)
    ex->done (ex, ex->done_data);
}

void
ms_exchange_cancel (MsExchange *ex)
{
  ex->cancelled = TRUE;
  ex->done = NULL;
  MsExchangeDone on_cancel = ex->on_cancel;
  ex->on_cancel = NULL;
  if (on_cancel != NULL && !ex->finished)
    on_cancel (ex, ex->cancel_data);
}

/* Bodies. */

struct _MsBody {
  int refcount;
  guint n_members;      /* 0 for a text body */
  MsBody *base;         /* composite: the object members are added to */
  char *text;           /* text body */
  gsize length;         /* of the text, or of a composite once length_known */
  gboolean length_known;
  const char **names;   /* composite: member names, the caller's (interned) */
  MsBody **members;
};

MsBody *
ms_body_new_text (const char *text, gssize length)
{
  MsBody *body = g_new0 (MsBody, 1);
  body->refcount = 1;
  body->length = length < 0 ? strlen (text) : (gsize) length;
  body->text = g_strndup (text, body->length);
  return body;
}

MsBody *
ms_body_new_composite (MsBody *base, guint n_members, const char *const *names,
                       MsBody *const *members)
{
  /* One block: the two arrays follow the struct (pointers, so aligned),
   * a malloc per response instead of three. */
  MsBody *body = g_malloc0 (sizeof (MsBody) + n_members * (sizeof (MsBody *) + sizeof (char *)));
  body->refcount = 1;
  body->base = base ? ms_body_ref (base) : NULL;
  body->n_members = n_members;
  body->members = (MsBody **) (body + 1);
  body->names = (const char **) (body->members + n_members);
  for (guint i = 0; i < n_members; i++)
    {
      body->names[i] = names[i];
      body->members[i] = members[i] ? ms_body_ref (members[i]) : NULL;
    }
  return body;
}

MsBody *
ms_body_ref (MsBody *body)
{
  body->refcount++;
  return body;
}

void
ms_body_unref (MsBody *body)
{
  if (body == NULL || --body->refcount > 0)
    return;
  g_free (body->text);
  g_clear_pointer (&body->base, ms_body_unref);
  for (guint i = 0; i < body->n_members; i++)
    g_clear_pointer (&body->members[i], ms_body_unref);
  g_free (body);   /* with a composite's arrays */
}

static void
write_string (const char *s, GString *out)
{
  g_string_append_c (out, '"');
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

/* The length write_string gives s. */
static gsize
quoted_length (const char *s)
{
  gsize length = 2;
  for (; *s; s++)
    length += (*s == '"' || *s == '\\') ? 2 : 1;
  return length;
}

/* A composite's opening: "{" and the base object's members (without its
 * closing brace), or the base under "body" if it is not an object.
 * Returns TRUE if a member was written after the "{". */
static gboolean
write_opening (const MsBody *body, GString *out)
{
  gsize mark = out->len;
  if (body->base != NULL)
    ms_body_write (body->base, out);
  while (out->len > mark && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  gboolean empty = TRUE;
  if (out->len > mark && out->str[out->len - 1] == '}' && out->str[mark] == '{')
    {
      g_string_truncate (out, out->len - 1);
      for (gsize i = mark + 1; i < out->len && empty; i++)
        if (!g_ascii_isspace (out->str[i]))
          empty = FALSE;
    }
  else
    {
      /* A base that is not an object is kept under "body". */
      g_autofree char *base = g_strndup (out->str + mark, out->len - mark);
      g_string_truncate (out, mark);
      g_string_append_c (out, '{');
      if (*base)
        {
          g_string_append (out, "\"body\":");
          g_string_append (out, base);
          empty = FALSE;
        }
    }
  return !empty;
}

/* The length of what write_opening writes, and its result in *members.
 * The usual base, a text, is measured where it lies; that must agree with
 * write_opening, which tests/models/test-http.c checks. */
static gsize
opening_length (const MsBody *body, gboolean *members)
{
  const MsBody *base = body->base;
  if (base != NULL && base->text == NULL)
    {
      /* A composite base: rare, so written out. */
      g_autoptr (GString) opening = g_string_new (NULL);
      *members = write_opening (body, opening);
      return opening->len;
    }
  const char *text = base ? base->text : "";
  gsize n = base ? base->length : 0;
  while (n > 0 && g_ascii_isspace (text[n - 1]))
    n--;
  if (n > 0 && text[n - 1] == '}' && text[0] == '{')
    {
      *members = FALSE;
      for (gsize i = 1; i < n - 1 && !*members; i++)
        *members = !g_ascii_isspace (text[i]);
      return n - 1;
    }
  /* Kept under "body", up to a NUL as g_strndup copies it. */
  gsize kept = strnlen (text, n);
  *members = kept > 0;
  return kept > 0 ? strlen ("{\"body\":") + kept : strlen ("{");
}

void
ms_body_write (const MsBody *body, GString *out)
{
  if (body == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  if (body->text != NULL)
    {
      g_string_append_len (out, body->text, body->length);
      return;
    }
  /* A composite: the opening, then each call's body under its name. */
  gboolean empty = !write_opening (body, out);
  for (guint i = 0; i < body->n_members; i++)
    {
      if (!empty)
        g_string_append_c (out, ',');
      empty = FALSE;
      write_string (body->names[i], out);
      g_string_append_c (out, ':');
      ms_body_write (body->members[i], out);
    }
  g_string_append_c (out, '}');
}

gsize
ms_body_length (const MsBody *body)
{
  if (body == NULL)
    return 0;
  if (body->text != NULL || body->length_known)
    return body->length;
  /* A composite, as ms_body_write would write it, without writing it: the
   * opening, then the members by their own lengths, which are kept,
   * because telemetry asks at every proxy a body passes and a response
   * nests the bodies of the calls below it.  Bodies are immutable, which
   * keeps the memo right; the cast is for the memo only. */
  gboolean members;
  gsize length = opening_length (body, &members);
  gboolean empty = !members;
  for (guint i = 0; i < body->n_members; i++)
    {
      length += (empty ? 0 : 1) + quoted_length (body->names[i]) + 1;
      length += body->members[i] ? ms_body_length (body->members[i]) : strlen ("null");
      empty = FALSE;
    }
  MsBody *memo = (MsBody *) body;
  memo->length = length + 1;    /* the closing brace */
  memo->length_known = TRUE;
  return memo->length;
}
