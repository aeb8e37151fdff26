// Needs an AtomVM checkout: mvn verify -Datomvm.source=<dir>. The reason goes to the
// console itself (the invoker captures System.out into build.log).
if (!atomvmSource?.trim() || atomvmSource.startsWith('${')) {
  def console = new PrintStream(new FileOutputStream(FileDescriptor.out), true)
  console.println "[INFO] SKIPPED ${basedir.name}: needs -Datomvm.source=<AtomVM checkout>"
  return false
}
return true
