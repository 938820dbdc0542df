/* chain-csr.c — being written */
