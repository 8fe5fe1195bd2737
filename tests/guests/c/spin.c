/* spin (hostile): loops forever without calling the host. */
int main(void) {
    volatile unsigned long counter = 0;
    for (;;)
        counter++;
}
