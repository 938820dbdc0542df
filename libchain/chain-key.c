/* chain-key.c — being written */
