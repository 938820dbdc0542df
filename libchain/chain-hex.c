/* chain-hex.c — being written */
