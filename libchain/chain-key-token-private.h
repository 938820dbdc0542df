/* chain-key-token-private.h — making ChainKeyToken values (chain-key-pkcs11.c lists them) */
#pragma once

#include "chain-key-token.h"

G_BEGIN_DECLS

/* (transfer full) a token as its slot reports it; the strings are copied,
 * the space padding of PKCS#11 fields already cut. */
ChainKeyToken *chain_key_token_new (const char            *label,
                                    const char            *manufacturer,
                                    const char            *model,
                                    const char            *module,
                                    gboolean               read_only,
                                    ChainKeyTokenPinState  pin_state);

G_END_DECLS
