/* Copies /bin/busybox into a memfd_create file and fexecve()s it as `echo from-memory`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  int src = open("/bin/busybox", O_RDONLY); struct stat st; fstat(src, &st);
  int fd = memfd_create("payload", 0); sendfile(fd, src, 0, st.st_size);
  char *argv[] = {"echo", "from-memory", 0}, *envp[] = {0};
  fexecve(fd, argv, envp); return 99;
}
