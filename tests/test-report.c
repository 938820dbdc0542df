/* test-report.c — `chain report -o FILE.html`
 *
 * The ledger is `chain demo`'s; Dist X reconciles a cloud file whose
 * device ids try HTML injection, so the report carries them. The page
 * must be well formed (python3 parses it as XML and with html.parser),
 * carry the three charts as inline SVG, show the hostile ids only
 * escaped, and render: headless Chromium takes a screenshot, which is
 * kept in meson-logs ($REPORT_SCREENSHOT_DIR) and must be a PNG of the
 * window's size that is not one colour.
 */
#include "test-cli.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmpdir;      /* per test */
static char *demo_tmp;    /* per suite */
static char *demo_dir;

/* What a cloud file might hold as a device id: markup, quotes, an
 * ampersand, a bidi override (U+202E) and a BEL, as JSON escapes. */
#define HOSTILE_JSON "<script>alert(1)</script><img src=x onerror=alert(2)>\\\"'&amp\\u202e\\u0007z"

static void
demo_setup (void)
{
  demo_tmp = test_cli_demo_new (&demo_dir);
}

static void
demo_teardown (void)
{
  if (demo_tmp != NULL)
    test_support_tmpdir_remove (demo_tmp);
  g_clear_pointer (&demo_tmp, g_free);
  g_clear_pointer (&demo_dir, g_free);
}

static void
setup (void)
{
  tmpdir = test_support_tmpdir_new ();
}

static void
teardown (void)
{
  test_support_tmpdir_remove (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static char *
dist_dir (void)
{
  return g_build_filename (demo_dir, "dist-x", NULL);
}

/* Reconciles Dist X with a cloud file holding the hostile id, so the
 * workspace keeps a summary with it. */
static void
reconcile_hostile (void)
{
  g_autofree char *dist = dist_dir ();
  g_autofree char *cloud = g_build_filename (tmpdir, "things.json", NULL);
  g_autofree char *text = g_strdup_printf ("{\"things\": [{\"thingName\": \"%s\"}, {\"thingName\": \"dist-x-dev-1\"}]}",
                                           HOSTILE_JSON);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  test_support_write_file (cloud, text, strlen (text));
  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "reconcile", cloud, NULL }, &out, &err);
  ck_assert_msg (status == 3, "chain reconcile exited %d: %s", status, err);
}

static char *
write_report (const char *name)
{
  g_autofree char *dist = dist_dir ();
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *out = NULL;

  out = test_cli_chain_ok (NULL, (const char *const[]) { "-C", dist, "report", "-o", path, NULL });
  ck_assert_msg (strstr (out, "Report written to") != NULL, "%s", out);
  return path;
}

/* python3 parses @path as XML (so every tag is closed and every & is an
 * entity) and with html.parser, and prints how many of each SVG element
 * the page holds, one "NAME COUNT" a line. */
static const char check_html_py[] =
  "import sys, collections, html.parser, xml.etree.ElementTree as ET\n"
  "text = open(sys.argv[1], encoding='utf-8').read()\n"
  "assert text.startswith('<!DOCTYPE html>')\n"
  "root = ET.fromstring(text[len('<!DOCTYPE html>'):])\n"
  "class P(html.parser.HTMLParser):\n"
  "    def __init__(self):\n"
  "        super().__init__(); self.tags = collections.Counter()\n"
  "    def handle_starttag(self, tag, attrs):\n"
  "        self.tags[tag + '.' + dict(attrs).get('class', '')] += 1; self.tags[tag] += 1\n"
  "    handle_startendtag = handle_starttag\n"
  "p = P(); p.feed(text); p.close()\n"
  "for name in ['svg', 'script', 'img', 'polyline.series', 'line.quota', 'rect.ca', 'line.today', 'rect.action', 'tr.action']:\n"
  "    print(name, p.tags[name])\n";

static int
count_of (const char *counts,
          const char *name)
{
  g_autofree char *key = g_strconcat ("\n", name, " ", NULL);
  g_autofree char *text = g_strconcat ("\n", counts, NULL);
  const char *at = strstr (text, key);

  ck_assert_msg (at != NULL, "no %s in %s", name, counts);
  return atoi (at + strlen (key));
}

START_TEST (test_report_well_formed_and_escaped)
{
  g_autofree char *path = NULL;
  g_autofree char *html = NULL;
  g_autofree char *counts = NULL;
  g_autofree char *err = NULL;
  struct stat st;
  int status;

  reconcile_hostile ();
  path = write_report ("report.html");
  ck_assert_int_eq (g_stat (path, &st), 0);
  ck_assert_int_eq (st.st_mode & 0777, 0644);
  html = test_cli_read_file (path, NULL);

  status = test_support_run ((const char *const[]) { "python3", "-c", check_html_py, path, NULL }, NULL,
                             &counts, &err);
  ck_assert_msg (status == 0, "the report does not parse: %s", err);
  /* Three charts, each with its data drawn. */
  ck_assert_int_eq (count_of (counts, "svg"), 3);
  ck_assert_int_eq (count_of (counts, "polyline.series"), 1);
  ck_assert_int_eq (count_of (counts, "line.quota"), 0);
  ck_assert_int_eq (count_of (counts, "rect.ca"), 4);
  ck_assert_int_eq (count_of (counts, "line.today"), 1);
  ck_assert_int_eq (count_of (counts, "rect.action"), 4);
  ck_assert_int_ge (count_of (counts, "tr.action"), 1);
  /* No script, no element the cloud's text made. */
  ck_assert_int_eq (count_of (counts, "script"), 0);
  ck_assert_int_eq (count_of (counts, "img"), 0);

  ck_assert_msg (strstr (html, "<script") == NULL, "a raw <script in the report");
  ck_assert_msg (strstr (html, "<img") == NULL, "a raw <img in the report");
  ck_assert_msg (strstr (html, "\xe2\x80\xae") == NULL, "a raw U+202E in the report");
  ck_assert_msg (strchr (html, '\a') == NULL, "a raw BEL in the report");
  ck_assert_msg (strstr (html, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
                               "&quot;&#39;&amp;amp??z") != NULL,
                 "the hostile id is not shown escaped");
  /* The charts say in words what they draw, for screen readers too. */
  ck_assert (strstr (html, "aria-describedby=\"issued-summary\"") != NULL);
  ck_assert (strstr (html, "Dist X issued 8 devices.") != NULL);
  ck_assert (strstr (html, "The audit passed.") != NULL);
  ck_assert (strstr (html, "Dist X") != NULL && strstr (html, "CM B") != NULL);
}
END_TEST

/* The PNG at @path, decoded with python3's zlib: its width, height and
 * how many colours a sample of its pixels has, "W H N". */
static const char png_py[] =
  "import sys, struct, zlib\n"
  "d = open(sys.argv[1], 'rb').read()\n"
  "assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'not a PNG'\n"
  "pos, idat = 8, b''\n"
  "while pos < len(d):\n"
  "    n, t = struct.unpack('>I4s', d[pos:pos + 8]); c = d[pos + 8:pos + 8 + n]; pos += 12 + n\n"
  "    if t == b'IHDR': w, h, depth, ct = struct.unpack('>IIBB', c[:10])\n"
  "    elif t == b'IDAT': idat += c\n"
  "assert depth == 8 and ct in (2, 6), (depth, ct)\n"
  "bpp = 3 if ct == 2 else 4; stride = w * bpp; raw = zlib.decompress(idat)\n"
  "prev = bytearray(stride); colours = set(); i = 0\n"
  "for y in range(h):\n"
  "    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride\n"
  "    for x in range(stride):\n"
  "        a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0\n"
  "        if f == 1: line[x] = (line[x] + a) & 255\n"
  "        elif f == 2: line[x] = (line[x] + b) & 255\n"
  "        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255\n"
  "        elif f == 4:\n"
  "            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)\n"
  "            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255\n"
  "    for x in range(0, stride, bpp * 5): colours.add(bytes(line[x:x + 3]))\n"
  "    prev = line\n"
  "print(w, h, len(colours))\n";

START_TEST (test_report_renders_in_chromium)
{
  g_autofree char *path = write_report ("render.html");
  g_autofree char *url = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *profile = g_build_filename (tmpdir, "chromium-profile", NULL);
  const char *log_dir = g_getenv ("REPORT_SCREENSHOT_DIR");
  g_autofree char *shot = NULL;
  g_autofree char *shot_arg = NULL;
  g_autofree char *profile_arg = g_strconcat ("--user-data-dir=", profile, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *figures = NULL;
  const char *argv[16];
  guint n = 0;
  int width = 0, height = 0, colours = 0;
  int status;

  ck_assert_msg (log_dir != NULL, "REPORT_SCREENSHOT_DIR is not set (tests/meson.build sets it)");
  g_mkdir_with_parents (log_dir, 0755);
  shot = g_build_filename (log_dir, "report-chromium.png", NULL);
  g_unlink (shot);
  shot_arg = g_strconcat ("--screenshot=", shot, NULL);

  argv[n++] = "timeout";
  argv[n++] = "180";
  argv[n++] = "chromium";
  argv[n++] = "--headless";
  /* Chromium refuses to start as root with its sandbox on: the sandbox
   * needs an unprivileged user to drop to. The suite runs as root in CI
   * containers; the page it opens is our own file, with no script. */
  if (geteuid () == 0)
    argv[n++] = "--no-sandbox";
  argv[n++] = "--disable-gpu";
  argv[n++] = "--no-first-run";
  argv[n++] = "--hide-scrollbars";
  argv[n++] = profile_arg;
  argv[n++] = "--window-size=900,1400";
  argv[n++] = shot_arg;
  argv[n++] = url;
  argv[n++] = NULL;
  status = test_cli_spawn (NULL, (const char *const[]) { "DBUS_SESSION_BUS_ADDRESS=disabled:", NULL }, NULL,
                           argv, &out, &err);
  ck_assert_msg (status == 0, "chromium exited %d: %s", status, err);
  ck_assert_msg (g_file_test (shot, G_FILE_TEST_EXISTS), "chromium wrote no screenshot: %s", out);

  g_clear_pointer (&err, g_free);
  status = test_support_run ((const char *const[]) { "python3", "-c", png_py, shot, NULL }, NULL, &figures, &err);
  ck_assert_msg (status == 0, "%s is no readable PNG: %s", shot, err);
  ck_assert_int_eq (sscanf (figures, "%d %d %d", &width, &height, &colours), 3);
  ck_assert_int_eq (width, 900);
  ck_assert_int_eq (height, 1400);
  /* Text, green bars, a blue line on white: a page, not a blank. */
  ck_assert_msg (colours >= 8, "the screenshot has %d colours", colours);
}
END_TEST

/* python3 reads the issued chart of the page at @path: its y axis (the
 * vertical axis line's ends and the top label, the axis' maximum) and
 * each quota line with its label; it checks that the line is where the
 * label's value falls on that axis, and prints "LABEL" a line. */
static const char quota_lines_py[] =
  "import sys, xml.etree.ElementTree as ET\n"
  "text = open(sys.argv[1], encoding='utf-8').read()\n"
  "root = ET.fromstring(text[len('<!DOCTYPE html>'):])\n"
  "svg = [e for e in root.iter() if e.get('id') == 'issued'][0]\n"
  "tag = lambda e: e.tag.split('}')[-1]\n"
  "axes = [e for e in svg if e.get('class') == 'axes'][0]\n"
  "axis = [e for e in axes if tag(e) == 'line'][1]\n"
  "top, bottom = float(axis.get('y1')), float(axis.get('y2'))\n"
  "most = int([e for e in axes if tag(e) == 'text'][0].text)\n"
  "items = list(svg)\n"
  "for i, e in enumerate(items):\n"
  "    if tag(e) != 'line' or e.get('class') != 'quota':\n"
  "        continue\n"
  "    label = items[i + 1]\n"
  "    assert tag(label) == 'text' and label.get('class') == 'quota', label\n"
  "    value = int(label.text.split()[-1])\n"
  "    y = float(e.get('y1'))\n"
  "    assert e.get('y2') == e.get('y1'), 'not horizontal'\n"
  "    want = bottom + (top - bottom) * value / most\n"
  "    assert abs(y - want) < 0.11, (label.text, y, want)\n"
  "    print(label.text)\n";

/* With quotas (CM A 20, Dist X below it 12), the issued chart draws each
 * as a horizontal line at its value on the axis, labelled with it, and
 * the summary says it; the demo's page without quotas has none (above). */
START_TEST (test_report_draws_quota_lines)
{
  g_autofree char *copy = g_build_filename (tmpdir, "demo", NULL);
  g_autofree char *path = g_build_filename (tmpdir, "quota.html", NULL);
  g_autofree char *html = NULL;
  g_autofree char *lines = NULL;
  g_autofree char *err = NULL;
  int status;

  g_autofree char *passphrase = g_build_filename (copy, "passphrase", NULL);
  const char *const steps[][9] = {
    { "--passphrase-file", passphrase, "-C", "oem", "quota", "cm-a", "20", NULL },
    { "--passphrase-file", passphrase, "-q", "-C", "cm-a", "sync", "oem", NULL },
    { "--passphrase-file", passphrase, "-C", "cm-a", "quota", "dist-x", "12", NULL },
    { "--passphrase-file", passphrase, "-q", "-C", "dist-x", "sync", "cm-a", NULL },
    { "-C", "dist-x", "report", "-o", path, NULL },
  };

  /* The demo's keys take the passphrase it wrote beside them. */
  test_cli_copy_tree (demo_dir, copy);
  for (gsize i = 0; i < G_N_ELEMENTS (steps); i++)
    g_free (test_cli_chain_ok (copy, steps[i]));

  status = test_support_run ((const char *const[]) { "python3", "-c", quota_lines_py, path, NULL }, NULL, &lines, &err);
  ck_assert_msg (status == 0, "the quota lines are not where their values are: %s", err);
  ck_assert_str_eq (lines, "quota 20\nquota 12\n");
  html = test_cli_read_file (path, NULL);
  /* CM A's series counts what its quota counts: Dist X's devices. */
  ck_assert_msg (strstr (html, "CM A issued 8 devices of a quota of 20; Dist X issued 8 devices of a quota of 12.") != NULL,
                 "the summary does not name the quotas");
}
END_TEST

START_TEST (test_report_refuses_overwrite)
{
  g_autofree char *path = write_report ("twice.html");
  g_autofree char *dist = dist_dir ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *forced = NULL;
  const char *marker = "not a report\n";
  int status;

  test_support_write_file (path, marker, strlen (marker));
  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "report", "-o", path, NULL }, &out, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("report", err, "--force");
  {
    g_autofree char *text = test_cli_read_file (path, NULL);

    ck_assert_str_eq (text, marker);
  }
  /* Nothing left beside it either. */
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      ck_assert_msg (!g_str_has_prefix (name, ".chain-report-"), "left behind: %s", name);
  }
  g_clear_pointer (&out, g_free);
  out = test_cli_chain_ok (NULL, (const char *const[]) { "-C", dist, "report", "--force", "-o", path, NULL });
  forced = test_cli_read_file (path, NULL);
  ck_assert (g_str_has_prefix (forced, "<!DOCTYPE html>"));
}
END_TEST

START_TEST (test_report_usage)
{
  g_autofree char *dist = dist_dir ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "no-dir", "r.html", NULL);
  int status;

  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "report", NULL }, &out, &err);
  ck_assert_int_eq (status, 2);
  test_cli_assert_error_line ("report", err, "-o FILE");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  status = test_cli_chain (NULL, (const char *const[]) { "-C", dist, "report", "-o", missing, NULL }, &out, &err);
  ck_assert_int_eq (status, 1);
  test_cli_assert_error_line ("report", err, "cannot write");
}
END_TEST

static Suite *
report_suite (void)
{
  Suite *suite = suite_create ("report");
  TCase *tc = tcase_create ("cli");

  tcase_add_unchecked_fixture (tc, demo_setup, demo_teardown);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 300);
  tcase_add_test (tc, test_report_well_formed_and_escaped);
  tcase_add_test (tc, test_report_renders_in_chromium);
  tcase_add_test (tc, test_report_draws_quota_lines);
  tcase_add_test (tc, test_report_refuses_overwrite);
  tcase_add_test (tc, test_report_usage);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  return test_support_run_suite (report_suite ());
}
