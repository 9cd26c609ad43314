// replaced as the part is built
