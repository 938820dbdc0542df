/* chain-macros.h — what marks a declaration as libchain's public API
 *
 * libchain is built with hidden symbol visibility: a function is exported
 * from libchain.so only when its declaration in an installed header
 * carries CHAIN_PUBLIC. Everything else, including what the *-private.h
 * headers declare for use across libchain's own files, stays inside the
 * library (the tests reach it through an internal static build).
 */
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define CHAIN_PUBLIC __attribute__ ((visibility ("default"))) extern
#else
#define CHAIN_PUBLIC extern
#endif
