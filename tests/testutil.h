/* tests/testutil.h - running a scenario given as text, for model tests.
 *
 * Header-only on purpose: each test executable includes it once.  The
 * scenario is loaded as JSON (file name "test.json"), built and run, and
 * the report returned; any load or build error fails the test with its
 * message.
 */
#pragma once

#include "models/world.h"
#include "sim/io/expect.h"
#include "sim/io/scenario.h"

typedef struct {
  MsScenario *scenario;
  MsWorld *world;
  MsReport *report;
} TestRun;

static inline void
test_run_clear (TestRun *run)
{
  g_clear_pointer (&run->report, ms_report_free);
  g_clear_pointer (&run->world, ms_world_free);
  g_clear_pointer (&run->scenario, ms_scenario_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestRun, test_run_clear)

/* Loads and builds, without running. */
static inline void
test_build (TestRun *run, const char *json, guint64 seed)
{
  g_autoptr (GError) error = NULL;
  run->scenario = ms_scenario_load_data (json, -1, "json", "test.json", ".", &error);
  g_assert_no_error (error);
  run->world = ms_world_new (run->scenario, seed, -1, &error);
  g_assert_no_error (error);
}

/* Loads, builds, runs and reports. */
static inline void
test_run (TestRun *run, const char *json, guint64 seed)
{
  test_build (run, json, seed);
  ms_world_run (run->world, NULL, NULL);
  run->report = ms_world_report (run->world, -1);
}

static inline double
test_value (const TestRun *run, const char *path)
{
  double value = -1;
  const MsReportNode *node = ms_report_find (run->report, path);
  if (node == NULL)
    return 0;   /* a count that never happened */
  g_assert_true (ms_report_number (node, &value));
  return value;
}

/* A Deployment and its Service on port 80, for building scenarios. */
#define TEST_APP(name, replicas)                                                        \
  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" name  \
  "\"},\"spec\":{\"replicas\":" #replicas ",\"template\":{\"metadata\":{\"labels\":"    \
  "{\"app\":\"" name "\"}}}}},"                                                          \
  "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" name "\"},"    \
  "\"spec\":{\"selector\":{\"app\":\"" name "\"},\"ports\":[{\"port\":80}]}}"
