/* chain-verify.c — being written */
