// childsafe: one executable, many commands. Wiring lives in cli/; this file only hands over.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) { return childsafe::cli::Run(argc, argv, std::cout, std::cerr); }
