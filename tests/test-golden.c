/* tests/test-golden.c - every shipped scenario against its stored report.
 *
 * For each scenarios/ file (manifests/ folders excepted) at its own seed:
 * the run must pass its own expectations, two runs must give identical
 * bytes, and the JSON report (with sim.wall_ms zeroed) must equal
 * tests/golden/<path with '/' as '__'>.json.  A change that moves numbers
 * shows up here as a diff to review; regenerate with
 *   MESHSIM_UPDATE_GOLDEN=1 meson test -C build scenarios/golden
 * and read the diff before committing it.
 */
#include "models/world.h"
#include "sim/io/expect.h"
#include "sim/io/scenario.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
run_once (const char *path, int *failed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MsScenario) scenario = ms_scenario_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (MsWorld) world = ms_world_new (scenario, scenario->seed, -1, &error);
  g_assert_no_error (error);
  ms_world_run (world, NULL, NULL);
  g_autoptr (MsReport) report = ms_world_report (world, -1);
  *failed = ms_expect_check (scenario, report, &error);
  g_assert_no_error (error);
  if (*failed > 0)
    {
      g_autoptr (GString) lines = g_string_new (NULL);
      ms_expect_write_text (report, FALSE, lines);
      g_test_message ("%s", lines->str);
    }
  GString *out = g_string_new (NULL);
  ms_report_write_json (report, out);
  return g_string_free (out, FALSE);
}

static void
test_scenario (gconstpointer data)
{
  const char *relative = data;
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  /* Loaded by its path relative to the source root (main() changed into
   * it), so that positions in warnings read the same on every machine. */
  const char *path = relative;
  int failed = 0, failed_again = 0;
  g_autofree char *first = run_once (path, &failed);
  g_autofree char *second = run_once (path, &failed_again);
  g_assert_cmpint (failed, ==, 0);
  g_assert_cmpstr (first, ==, second);

  g_autofree char *flat = g_strdup (relative);
  g_strdelimit (flat, "/", '_');
  g_autofree char *name = g_strdup_printf ("%s", flat);
  char *dot = strrchr (name, '.');
  *dot = '\0';
  g_autofree char *golden = g_strdup_printf ("%s/tests/golden/%s.json", root, name);
  if (g_strcmp0 (g_getenv ("MESHSIM_UPDATE_GOLDEN"), "1") == 0)
    {
      g_autoptr (GError) error = NULL;
      g_file_set_contents (golden, first, -1, &error);
      g_assert_no_error (error);
      return;
    }
  g_autofree char *stored = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (golden, &stored, NULL, &error))
    {
      g_test_message ("no golden report %s; create it with MESHSIM_UPDATE_GOLDEN=1", golden);
      g_test_fail ();
      return;
    }
  if (!g_str_equal (stored, first))
    {
      g_test_message ("the report of %s differs from %s", relative, golden);
      g_test_fail ();
    }
}

static void
collect (const char *root, const char *relative, GPtrArray *found)
{
  g_autofree char *dir_path = g_build_filename (root, relative, NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  if (dir == NULL)
    return;
  const char *entry;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (relative, entry, NULL);
      g_autofree char *full = g_build_filename (root, child, NULL);
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (!g_str_equal (entry, "manifests"))
            collect (root, child, found);
        }
      else if (g_str_has_suffix (entry, ".json") || g_str_has_suffix (entry, ".yaml"))
        g_ptr_array_add (found, g_steal_pointer (&child));
    }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  const char *root = g_getenv ("MESHSIM_SOURCE_ROOT");
  g_assert_nonnull (root);
  g_assert_cmpint (g_chdir (root), ==, 0);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  collect (root, "scenarios", found);
  /* Directory order differs between file systems: sort. */
  g_ptr_array_sort (found, compare_strings);
  g_assert_cmpuint (found->len, >, 0);
  for (guint i = 0; i < found->len; i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/scenarios/golden/%s",
                                                    (char *) found->pdata[i]);
      g_test_add_data_func (test_path, found->pdata[i], test_scenario);
    }
  return g_test_run ();
}
