/* sim/core/random.c - xoshiro256** seeded by splitmix64.
 *
 * Stream derivation hashes the name with FNV-1a and mixes it into the seed
 * through splitmix64 before filling the four state words, so nearby seeds and
 * similar names still start far apart.  Only integer arithmetic decides the
 * sequence; the floating-point helpers use nothing but IEEE basics and the C
 * library's log/sqrt/cos, which are correctly rounded enough on every
 * platform we target that the same seed gives the same report.
 */
#include "sim/core/random.h"

#include <math.h>

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
ms_random_seed (MsRandom *random, guint64 seed)
{
  guint64 state = seed;
  for (int i = 0; i < 4; i++)
    random->s[i] = splitmix64 (&state);
  /* xoshiro must not start from all zeros; splitmix64 cannot produce four
   * zero words in a row, but say so. */
  g_assert (random->s[0] | random->s[1] | random->s[2] | random->s[3]);
}

void
ms_random_seed_stream (MsRandom *random, guint64 seed, const char *name)
{
  guint64 hash = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  for (const unsigned char *p = (const unsigned char *) name; *p; p++)
    hash = (hash ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
  guint64 state = seed;
  guint64 mixed = splitmix64 (&state) ^ hash;
  ms_random_seed (random, mixed);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
ms_random_next (MsRandom *random)
{
  guint64 *s = random->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
ms_random_double (MsRandom *random)
{
  return (double) (ms_random_next (random) >> 11) * 0x1.0p-53;
}

guint64
ms_random_below (MsRandom *random, guint64 bound)
{
  g_return_val_if_fail (bound > 0, 0);
  /* Rejection sampling: discard the top sliver that would bias the
   * modulo. */
  guint64 limit = G_MAXUINT64 - (G_MAXUINT64 % bound);
  guint64 x;
  do
    x = ms_random_next (random);
  while (x >= limit);
  return x % bound;
}

gboolean
ms_random_chance (MsRandom *random, double p)
{
  if (p <= 0.0)
    return FALSE;
  if (p >= 1.0)
    return TRUE;
  return ms_random_double (random) < p;
}

double
ms_random_normal (MsRandom *random)
{
  /* 1 - u keeps the logarithm's argument in (0, 1]. */
  double u1 = 1.0 - ms_random_double (random);
  double u2 = ms_random_double (random);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

double
ms_random_exponential (MsRandom *random, double mean)
{
  return -mean * log (1.0 - ms_random_double (random));
}
