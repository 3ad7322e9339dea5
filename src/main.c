/* main.c - placeholder until the command dispatcher lands. */
int main(void);
int
main(void)
{
    return 0;
}
