/* sim/core/random.h - deterministic PRNG with independent named sub-streams.
 *
 * xoshiro256** (Blackman & Vigna), seeded through splitmix64.  Each actor
 * draws from its own stream, derived from the run's seed and a stable name
 * (a pod name, a traffic source name), so adding an actor to a scenario does
 * not shift the numbers every other actor sees.  GRand and g_random_* are
 * not used: their output depends on the G_RANDOM_VERSION environment
 * variable.  The state is a plain struct and may be copied to save and
 * restore it (tests do).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
} MsRandom;

/* Seeds from one 64-bit value. */
void ms_random_seed (MsRandom *random, guint64 seed);

/* Seeds the stream called name under the run's seed.  Different names give
 * statistically independent streams; the same (seed, name) always gives the
 * same stream. */
void ms_random_seed_stream (MsRandom *random, guint64 seed, const char *name);

guint64 ms_random_next (MsRandom *random);

/* Uniform in [0, 1), 53 bits. */
double ms_random_double (MsRandom *random);

/* Uniform integer in [0, bound), without modulo bias.  bound > 0. */
guint64 ms_random_below (MsRandom *random, guint64 bound);

/* TRUE with probability p (p <= 0 never, p >= 1 always, drawing nothing in
 * those cases so that a zero fraction does not perturb the stream). */
gboolean ms_random_chance (MsRandom *random, double p);

/* Standard normal deviate (Box-Muller, one value per call). */
double ms_random_normal (MsRandom *random);

/* Exponential deviate with the given mean. */
double ms_random_exponential (MsRandom *random, double mean);

G_END_DECLS
