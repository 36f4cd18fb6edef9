using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace SalesScorecard.LoadContext;

/// <summary>
/// The load context that holds Core and every library it uses (Npgsql, MailKit, BouncyCastle, ...), from the module's
/// bin folder: another module's copy of those libraries in the same session neither replaces ours nor is blocked by it.
/// Only this assembly and the cmdlets' (SalesScorecard.PowerShell) live in PowerShell's default context.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    internal const string CoreAssemblyName = "SalesScorecard.Core";

    private static readonly string RuntimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();

    // bin/ is Core's publish output: its deps.json names each library's file, RID-specific and native ones included.
    private readonly AssemblyDependencyResolver _resolver;

    internal static DependencyLoadContext Instance { get; } = new(Path.Combine(
        Path.GetDirectoryName(typeof(DependencyLoadContext).Assembly.Location)!, "bin", CoreAssemblyName + ".dll"));

    private DependencyLoadContext(string corePath) : base("SalesScorecard") => _resolver = new AssemblyDependencyResolver(corePath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (IsInRuntime(assemblyName)) return null;
        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    // The runtime's own assemblies (System.Formats.Asn1, System.Diagnostics.DiagnosticSource, ...) come from the
    // default context when the runtime's copy is at least as new as the one asked for: one copy of their static state
    // (Activity.Current) for the whole process. Core's packages bring them only for a runtime older than they need.
    private static bool IsInRuntime(AssemblyName assemblyName)
    {
        string path = Path.Combine(RuntimeDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) && AssemblyName.GetAssemblyName(path).Version >= assemblyName.Version;
    }
}
