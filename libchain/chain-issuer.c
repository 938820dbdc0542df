/* chain-issuer.c — being written */
