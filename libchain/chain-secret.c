/* chain-secret.c — being written */
