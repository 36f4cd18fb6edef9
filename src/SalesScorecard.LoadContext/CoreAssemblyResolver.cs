using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace SalesScorecard.LoadContext;

/// <summary>
/// The one door from the default load context into the module's own: when the cmdlets need Core, it comes from
/// <see cref="DependencyLoadContext"/>, which then resolves Core's libraries itself. The manifest names this assembly in
/// NestedModules, which PowerShell imports before the RootModule: the door is open before PowerShell reads the cmdlets'
/// types, which name Core's.
/// </summary>
public sealed class CoreAssemblyResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => AssemblyLoadContext.Default.Resolving += ResolveCore;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveCore;

    private static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName assemblyName) =>
        assemblyName.Name == DependencyLoadContext.CoreAssemblyName
            ? DependencyLoadContext.Instance.LoadFromAssemblyName(assemblyName)
            : null;
}
