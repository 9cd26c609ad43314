# Copies the official TFLite schema for the schema compatibility check, removing the
# ` (deprecated)` marks on enum values, union members and tables that Debian's flatc 2.0.8 rejects
# (field-level `(deprecated)` is valid syntax and stays, so deprecated fields keep their ids).
# Usage: cmake -DIN=<official schema.fbs> -DOUT=<copy.fbs> -P strip_deprecated.cmake
file(READ "${IN}" text)
string(REGEX REPLACE " \\(deprecated\\)([,{ ])" "\\1" text "${text}")
file(WRITE "${OUT}" "${text}")
