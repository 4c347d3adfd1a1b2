#include <iostream>
int main() { std::cout << "edgerun\n"; return 0; }
