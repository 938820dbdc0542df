/* test-tpm.h — a software TPM (swtpm) for the suites, with or without tpm2-abrmd
 *
 * test_tpm_start() runs `swtpm socket --tpm2` on two free loopback ports
 * with a throw-away state directory, powered on and started up, so
 * tpm2-tools and the tpm2-openssl provider reach it straight through the
 * swtpm TCTI. That path has no resource manager: the TPM holds only three
 * transient objects, so each client must flush what it loads (openssl
 * genpkey/req do; a TLS handshake does not, see test-tpm-device.c).
 *
 * test_tpm_start_abrmd() puts tpm2-abrmd in front, on a D-Bus session bus
 * of its own (a dbus-daemon the harness starts), as a device's OS would:
 * from then on clients go through "tabrmd:bus_type=session", which swaps
 * objects in and out. swtpm serves one connection at a time, so while
 * abrmd runs it is the only client of swtpm.
 *
 * Programs reach the TPM through the environment test_tpm_get_env() gives,
 * for test_cli_spawn(): TPM2OPENSSL_TCTI for the provider, TPM2TOOLS_TCTI
 * for tpm2-tools and, with abrmd, DBUS_SESSION_BUS_ADDRESS.
 */
#pragma once

#include "test-daemon.h"

typedef struct TestTpm TestTpm;

/* A running swtpm with fresh state (transfer full); fails the test when
 * swtpm cannot start. */
TestTpm *test_tpm_start (void);

/* Like test_tpm_start(), but the TPM is first manufactured by
 * `swtpm_setup --create-ek-cert --create-platform-cert`: it holds EK
 * certificates signed by a local CA of its own (swtpm_localca). */
TestTpm *test_tpm_start_with_ek (void);

/* (transfer full) the path of the local CA's certificate that signed the
 * EK certificates of a test_tpm_start_with_ek() TPM. */
char *test_tpm_dup_ek_issuer_path (TestTpm *self);

/* Starts a session bus and tpm2-abrmd in front of @self's swtpm, and waits
 * until it answers (a TPM2_GetRandom through it). */
void test_tpm_start_abrmd (TestTpm *self);

/* Stops tpm2-abrmd and its bus (no-op when not running): clients reach
 * swtpm straight again. */
void test_tpm_stop_abrmd (TestTpm *self);

/* Stops swtpm, as a TPM that loses power (abrmd must not be running);
 * test_tpm_power_on() starts it again on the same ports with the same
 * state, so the keys made in it load again. */
void test_tpm_power_off (TestTpm *self);
void test_tpm_power_on (TestTpm *self);

/* (transfer none) the TCTI clients use now: "swtpm:host=127.0.0.1,port=N"
 * or, under abrmd, "tabrmd:bus_type=session". */
const char *test_tpm_get_tcti (TestTpm *self);

/* (transfer none) NULL-terminated "NAME=VALUE" settings for
 * test_cli_spawn(), valid until the next start or stop. */
const char *const *test_tpm_get_env (TestTpm *self);

/* (transfer none) a directory of @self's for scratch files (key contexts). */
const char *test_tpm_get_dir (TestTpm *self);

/* Stops abrmd, its bus and swtpm, and removes the state. NULL-safe. */
void test_tpm_free (TestTpm *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestTpm, test_tpm_free)
