using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// Finds every external type and member one file uses, explicitly (bound names, calls,
/// operators, attributes, base types) or through the compiler's lowering (foreach, lock,
/// using, string switch and concatenation, typeof, params, implicit base constructor calls),
/// and looks each documentation-comment ID up in the allowed listings.
/// </summary>
sealed class SemanticWalker
{
    [Flags]
    enum Access { Read = 1, Write = 2, Add = 4, Remove = 8, NameOf = 16 }

    readonly CSharpCompilation _compilation;
    readonly SemanticModel _model;
    readonly ApiListing _api;
    readonly HashSet<SyntaxTree> _apiTrees;
    readonly GuardReport _report;
    readonly HashSet<string> _ownNamespaces = new(StringComparer.Ordinal);

    public SemanticWalker(CSharpCompilation compilation, SemanticModel model, ApiListing api,
        HashSet<SyntaxTree> apiTrees, GuardReport report)
    {
        _compilation = compilation;
        _model = model;
        _api = api;
        _apiTrees = apiTrees;
        _report = report;
        CollectOwnNamespaces(compilation.Assembly.GlobalNamespace);
    }

    string NotListed => $"is not in the nanoFramework 1.x listings ({_api.Name})";

    public void Run()
    {
        var roots = new Dictionary<SyntaxNode, IOperation>();
        foreach (var node in _model.SyntaxTree.GetRoot().DescendantNodesAndSelf())
        {
            CheckNode(node);
            var operation = _model.GetOperation(node);
            if (operation != null && operation.Parent == null) roots[operation.Syntax] = operation;
        }
        foreach (var root in roots.Values)
            foreach (var operation in root.DescendantsAndSelf())
                CheckOperation(operation);
    }

    // ---- syntax nodes: bound symbols, types, and constructs the compiler lowers to calls ----

    void CheckNode(SyntaxNode node)
    {
        switch (node)
        {
            case UsingDirectiveSyntax u:
                CheckUsingDirective(u);
                break;
            case CommonForEachStatementSyntax forEach:
                CheckForEach(forEach);
                break;
            case LockStatementSyntax:
                RequireId("M:System.Threading.Monitor.Enter(System.Object)", node, "lock");
                RequireId("M:System.Threading.Monitor.Exit(System.Object)", node, "lock");
                break;
            case UsingStatementSyntax:
                RequireId("M:System.IDisposable.Dispose", node, "using");
                break;
            case SwitchStatementSyntax s when _model.GetTypeInfo(s.Expression).Type?.SpecialType == SpecialType.System_String:
                // Small string switches compare with ==; large ones hash with Length and Chars first.
                RequireId("M:System.String.op_Equality(System.String,System.String)", node, "switch on a string");
                RequireId("M:System.String.get_Length", node, "switch on a string");
                RequireId("M:System.String.get_Chars(System.Int32)", node, "switch on a string");
                break;
            case TypeOfExpressionSyntax:
                RequireId("M:System.Type.GetTypeFromHandle(System.RuntimeTypeHandle)", node, "typeof");
                break;
            case ParameterSyntax p when p.Modifiers.Any(SyntaxKind.ParamsKeyword):
                RequireId("M:System.ParamArrayAttribute.#ctor", node, "params");
                break;
            case IndexerDeclarationSyntax:
                RequireId("M:System.Reflection.DefaultMemberAttribute.#ctor(System.String)", node, "an indexer");
                break;
            case FieldDeclarationSyntax f when f.Modifiers.Any(SyntaxKind.VolatileKeyword):
                RequireId("T:System.Runtime.CompilerServices.IsVolatile", node, "volatile");
                break;
            case ConstructorDeclarationSyntax c when c.Initializer == null && !c.Modifiers.Any(SyntaxKind.StaticKeyword):
                RequireBaseConstructor(_model.GetDeclaredSymbol(c)?.ContainingType, c);
                break;
            case ClassDeclarationSyntax cd:
                CheckImplicitConstructor(cd);
                break;
        }

        if (node is MethodDeclarationSyntax m)
        {
            if (m.ParameterList.Parameters.FirstOrDefault()?.Modifiers.Any(SyntaxKind.ThisKeyword) == true)
                RequireId("M:System.Runtime.CompilerServices.ExtensionAttribute.#ctor", node, "an extension method");
        }
        if (node is MemberDeclarationSyntax member && HasOverride(member)) CheckOverride(member);

        // A member access or qualified name binds the same symbol as its rightmost name.
        bool binds = node is ExpressionSyntax or ConstructorInitializerSyntax or AttributeSyntax
            && node is not MemberAccessExpressionSyntax and not QualifiedNameSyntax and not AliasQualifiedNameSyntax;
        if (binds)
        {
            var symbol = _model.GetSymbolInfo(node).Symbol;
            if (symbol != null) Use(symbol, node);
        }
        if (node is ExpressionSyntax expression)
        {
            var info = _model.GetTypeInfo(expression);
            CheckType(info.Type, node);
            CheckType(info.ConvertedType, node);
        }
    }

    void Use(ISymbol symbol, SyntaxNode at)
    {
        switch (symbol)
        {
            case IAliasSymbol alias:
                Use(alias.Target, at);
                break;
            case ITypeSymbol type:
                CheckType(type, at);
                break;
            case IMethodSymbol method:
                CheckMethod(method, at);
                break;
            case IFieldSymbol field:
                if (CheckType(field.ContainingType, at) && IsExternal(field)) RequireMember(field, at);
                break;
            case IPropertySymbol property:
                CheckProperty(property, at, AccessOf(at));
                break;
            case IEventSymbol e:
                CheckEvent(e, at, AccessOf(at));
                break;
                // Namespaces, locals, parameters, labels: nothing to look up.
        }
    }

    void CheckUsingDirective(UsingDirectiveSyntax u)
    {
        if (u.Alias != null || u.StaticKeyword != default) return; // their names bind to types, checked as uses
        if (_model.GetSymbolInfo(u.Name!).Symbol is not INamespaceSymbol ns) return;
        var name = ns.ToDisplayString();
        if (_ownNamespaces.Contains(name) || _api.HasNamespace(name)) return;
        _report.Add(u, $"using {name}: the nanoFramework 1.x listings ({_api.Name}) have no type in that namespace");
    }

    void CheckForEach(CommonForEachStatementSyntax forEach)
    {
        var collection = _model.GetTypeInfo(forEach.Expression).Type;
        if (collection == null || collection is IArrayTypeSymbol) return; // arrays loop by index
        if (collection.SpecialType == SpecialType.System_String)
        {
            // The compiler loops over a string by index as well.
            RequireId("M:System.String.get_Length", forEach, "foreach over a string");
            RequireId("M:System.String.get_Chars(System.Int32)", forEach, "foreach over a string");
            return;
        }
        var info = _model.GetForEachStatementInfo(forEach);
        if (info.GetEnumeratorMethod != null) CheckMethod(info.GetEnumeratorMethod, forEach, "foreach");
        if (info.MoveNextMethod != null) CheckMethod(info.MoveNextMethod, forEach, "foreach");
        if (info.CurrentProperty?.GetMethod != null) CheckMethod(info.CurrentProperty.GetMethod, forEach, "foreach");
        if (info.DisposeMethod != null) CheckMethod(info.DisposeMethod, forEach, "foreach");
    }

    // A class without constructors gets one that calls the base class's parameterless constructor.
    void CheckImplicitConstructor(ClassDeclarationSyntax cd)
    {
        var type = _model.GetDeclaredSymbol(cd);
        if (type == null || type.IsStatic) return;
        if (!type.InstanceConstructors.Any(c => c.IsImplicitlyDeclared)) return;
        // Report once for a partial class: at its first declaration.
        if (type.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() != cd) return;
        RequireBaseConstructor(type, cd);
    }

    void RequireBaseConstructor(INamedTypeSymbol? type, SyntaxNode at)
    {
        if (type == null || type.TypeKind != TypeKind.Class) return;
        var baseType = type.BaseType;
        if (baseType == null || !IsExternal(baseType)) return;
        var ctor = baseType.InstanceConstructors
            .Where(c => c.Parameters.All(p => p.IsOptional || p.IsParams))
            .OrderBy(c => c.Parameters.Length)
            .FirstOrDefault();
        if (ctor != null) CheckMethod(ctor, at, "the implicit base constructor call");
    }

    static bool HasOverride(MemberDeclarationSyntax member) => member.Modifiers.Any(SyntaxKind.OverrideKeyword);

    // Overriding a member nanoFramework's base class lacks does not compile there.
    void CheckOverride(MemberDeclarationSyntax member)
    {
        switch (_model.GetDeclaredSymbol(member))
        {
            case IMethodSymbol { OverriddenMethod: { } overridden }:
                CheckMethod(overridden, member, "override");
                break;
            case IPropertySymbol property:
                if (property.GetMethod?.OverriddenMethod is { } get) CheckMethod(get, member, "override");
                if (property.SetMethod?.OverriddenMethod is { } set) CheckMethod(set, member, "override");
                break;
        }
    }

    // ---- operations: what the compiler turns operators and conversions into ----

    void CheckOperation(IOperation operation)
    {
        switch (operation)
        {
            case IConversionOperation { OperatorMethod: { } method } conversion:
                CheckMethod(method, conversion.Syntax);
                break;
            case IUnaryOperation { OperatorMethod: { } method } unary:
                CheckMethod(method, unary.Syntax);
                break;
            case IIncrementOrDecrementOperation { OperatorMethod: { } method } step:
                CheckMethod(method, step.Syntax);
                break;
            case IBinaryOperation binary:
                CheckBinary(binary);
                break;
            case ICompoundAssignmentOperation compound:
                CheckCompound(compound);
                break;
            case IArrayCreationOperation array:
                CheckArrayInitializer(array);
                break;
            case IDelegateCreationOperation creation when creation.Type is INamedTypeSymbol d && IsExternal(d):
                if (CheckType(d, creation.Syntax) && d.InstanceConstructors.FirstOrDefault() is { } ctor)
                    CheckMethod(ctor, creation.Syntax, "delegate creation");
                break;
            case IConstantPatternOperation pattern
                when pattern.Value.Type?.SpecialType == SpecialType.System_String && pattern.Value.ConstantValue.Value != null:
                RequireId("M:System.String.op_Equality(System.String,System.String)", pattern.Syntax, "a string pattern");
                break;
        }
    }

    void CheckBinary(IBinaryOperation binary)
    {
        if (!IsBuiltIn(binary.OperatorMethod))
        {
            CheckMethod(binary.OperatorMethod!, binary.Syntax);
            return;
        }
        if (IsStringConcat(binary))
        {
            if (!IsInsideConcat(binary)) CheckConcat(binary, Flatten(binary));
            return;
        }
        var left = Unwrap(binary.LeftOperand);
        var right = Unwrap(binary.RightOperand);
        if (left.Type?.TypeKind != TypeKind.Delegate && right.Type?.TypeKind != TypeKind.Delegate) return;
        switch (binary.OperatorKind)
        {
            case BinaryOperatorKind.Add:
                RequireId("M:System.Delegate.Combine(System.Delegate,System.Delegate)", binary.Syntax, "delegate +");
                break;
            case BinaryOperatorKind.Subtract:
                RequireId("M:System.Delegate.Remove(System.Delegate,System.Delegate)", binary.Syntax, "delegate -");
                break;
            case BinaryOperatorKind.Equals when !IsNull(left) && !IsNull(right):
                RequireId("M:System.Delegate.op_Equality(System.Delegate,System.Delegate)", binary.Syntax, "delegate ==");
                break;
            case BinaryOperatorKind.NotEquals when !IsNull(left) && !IsNull(right):
                RequireId("M:System.Delegate.op_Inequality(System.Delegate,System.Delegate)", binary.Syntax, "delegate !=");
                break;
        }
    }

    void CheckCompound(ICompoundAssignmentOperation compound)
    {
        if (compound.InConversion.MethodSymbol is { } inMethod) CheckMethod(inMethod, compound.Syntax);
        if (compound.OutConversion.MethodSymbol is { } outMethod) CheckMethod(outMethod, compound.Syntax);
        if (!IsBuiltIn(compound.OperatorMethod))
        {
            CheckMethod(compound.OperatorMethod!, compound.Syntax);
            return;
        }
        var target = compound.Target.Type;
        if (IsStringConcat(compound))
        {
            var leaves = new List<IOperation> { compound.Target };
            leaves.AddRange(Flatten(compound.Value));
            CheckConcat(compound, leaves);
        }
        else if (target?.TypeKind == TypeKind.Delegate && compound.OperatorKind == BinaryOperatorKind.Add)
            RequireId("M:System.Delegate.Combine(System.Delegate,System.Delegate)", compound.Syntax, "delegate +=");
        else if (target?.TypeKind == TypeKind.Delegate && compound.OperatorKind == BinaryOperatorKind.Subtract)
            RequireId("M:System.Delegate.Remove(System.Delegate,System.Delegate)", compound.Syntax, "delegate -=");
    }

    /// <summary>
    /// Lowers a chain of string + the way Roslyn does when the core library has no span-based
    /// String.Concat (nanoFramework's has none): adjacent constants fold, every other non-string
    /// operand becomes operand.ToString(), then 2–4 parts call Concat(String, ...) and more parts
    /// Concat(String[]).
    /// </summary>
    void CheckConcat(IOperation at, List<IOperation> leaves)
    {
        int parts = 0;
        bool pendingConstant = false;
        string constant = "";
        foreach (var leaf in leaves)
        {
            if (leaf.ConstantValue.HasValue && (leaf.ConstantValue.Value is null or string or char))
            {
                constant += leaf.ConstantValue.Value?.ToString() ?? "";
                pendingConstant = true;
                continue;
            }
            if (pendingConstant && constant.Length > 0) parts++;
            pendingConstant = false;
            constant = "";
            parts++;
            RequireToString(leaf, at.Syntax);
        }
        if (pendingConstant && constant.Length > 0) parts++;
        if (parts < 2) return;
        var id = parts <= 4
            ? "M:System.String.Concat(" + string.Join(",", Enumerable.Repeat("System.String", parts)) + ")"
            : "M:System.String.Concat(System.String[])";
        RequireId(id, at.Syntax, "string concatenation");
    }

    void RequireToString(IOperation operand, SyntaxNode at)
    {
        var type = operand.Type;
        if (type == null || type.SpecialType == SpecialType.System_String) return;
        // Primitives call their own ToString(); anything else calls Object.ToString() (virtually).
        if (type.IsValueType && type.SpecialType != SpecialType.None)
        {
            var own = type.GetMembers("ToString").OfType<IMethodSymbol>()
                .FirstOrDefault(m => m.Parameters.Length == 0 && !m.IsStatic);
            if (own != null && _api.Contains(Id(own))) return;
        }
        RequireId("M:System.Object.ToString", at, "string concatenation");
    }

    void CheckArrayInitializer(IArrayCreationOperation array)
    {
        // Constant arrays of primitives are filled from a data blob by RuntimeHelpers.InitializeArray.
        if (array.Initializer == null || array.Type is not IArrayTypeSymbol arrayType) return;
        var element = arrayType.ElementType;
        bool primitive = element.TypeKind == TypeKind.Enum || element.SpecialType is >= SpecialType.System_Boolean and <= SpecialType.System_Double;
        var values = array.Initializer.ElementValues;
        if (primitive && values.Length >= 2 && values.All(v => v.ConstantValue.HasValue))
            RequireId("M:System.Runtime.CompilerServices.RuntimeHelpers.InitializeArray(System.Array,System.RuntimeFieldHandle)",
                array.Syntax, "a constant array initializer");
    }

    static bool IsBuiltIn(IMethodSymbol? method) => method == null || method.MethodKind == MethodKind.BuiltinOperator;

    static bool IsStringConcat(IBinaryOperation b) =>
        b.OperatorKind == BinaryOperatorKind.Add && IsBuiltIn(b.OperatorMethod) && b.Type?.SpecialType == SpecialType.System_String;

    static bool IsStringConcat(ICompoundAssignmentOperation c) =>
        c.OperatorKind == BinaryOperatorKind.Add && IsBuiltIn(c.OperatorMethod) && c.Target.Type?.SpecialType == SpecialType.System_String;

    static bool IsInsideConcat(IOperation operation)
    {
        var parent = operation.Parent;
        while (parent is IConversionOperation { IsImplicit: true }) parent = parent.Parent;
        return parent switch
        {
            IBinaryOperation p => IsStringConcat(p),
            ICompoundAssignmentOperation c => IsStringConcat(c),
            _ => false,
        };
    }

    static List<IOperation> Flatten(IOperation operation)
    {
        var leaves = new List<IOperation>();
        Collect(operation);
        return leaves;

        void Collect(IOperation o)
        {
            o = Unwrap(o);
            if (o is IBinaryOperation b && IsStringConcat(b))
            {
                Collect(b.LeftOperand);
                Collect(b.RightOperand);
            }
            else leaves.Add(o);
        }
    }

    static IOperation Unwrap(IOperation o)
    {
        while (o is IConversionOperation { IsImplicit: true } c && c.OperatorMethod == null) o = c.Operand;
        return o;
    }

    static bool IsNull(IOperation o) => o.ConstantValue.HasValue && o.ConstantValue.Value == null;

    // ---- symbols ----

    bool CheckMethod(IMethodSymbol method, SyntaxNode at, string? because = null)
    {
        if (method.MethodKind == MethodKind.BuiltinOperator) return true;
        if (method.ReducedFrom != null) method = method.ReducedFrom;
        if (method.MethodKind is MethodKind.AnonymousFunction or MethodKind.LocalFunction) return true;
        if (method.IsGenericMethod)
        {
            _report.Add(at, $"calls generic method {method.OriginalDefinition.ToDisplayString()} (generics throw at run time on nanoFramework)");
            return false;
        }
        if (!CheckType(method.ContainingType, at) || !IsExternal(method)) return true;
        // new S() of a struct is an initobj, not a call.
        if (method.IsImplicitlyDeclared && method.MethodKind == MethodKind.Constructor && method.ContainingType.IsValueType) return true;
        if (!IsListed(method) && HasListedAlternative(method, at)) return true;
        return RequireMember(method, at, because);
    }

    /// <summary>
    /// .NET has overloads nanoFramework lacks (String.Format(String, Object, Object) beside
    /// Format(String, params Object[])), and members that hide a base one (Exception.GetType).
    /// Compiled against nanoFramework such a call binds to the listed member instead, so it is
    /// fine when a listed member of the same name in the type or a base type accepts the same
    /// arguments.
    /// </summary>
    bool HasListedAlternative(IMethodSymbol method, SyntaxNode at)
    {
        var arguments = ArgumentsAt(at);
        for (var type = method.ContainingType; type != null; type = type.BaseType)
        {
            foreach (var candidate in type.GetMembers(method.Name).OfType<IMethodSymbol>())
            {
                if (SymbolEqualityComparer.Default.Equals(candidate, method) || candidate.IsGenericMethod
                    || candidate.IsStatic != method.IsStatic || candidate.MethodKind != method.MethodKind
                    || !IsListed(candidate))
                    continue;
                if (SameParameters(candidate, method)) return true;
                if (arguments != null && Accepts(candidate, arguments)) return true;
            }
            if (method.MethodKind == MethodKind.Constructor) break; // constructors are not inherited
        }
        return false;
    }

    static bool SameParameters(IMethodSymbol a, IMethodSymbol b) =>
        a.Parameters.Length == b.Parameters.Length
        && a.Parameters.Zip(b.Parameters).All(p => p.First.RefKind == p.Second.RefKind
            && SymbolEqualityComparer.Default.Equals(p.First.Type, p.Second.Type));

    /// <summary>Whether the candidate can take these arguments, in normal or params-expanded form.</summary>
    bool Accepts(IMethodSymbol candidate, ArgumentListSyntax arguments)
    {
        var args = arguments.Arguments;
        if (args.Any(a => a.NameColon != null || !a.RefKindKeyword.IsKind(SyntaxKind.None))) return false;
        var ps = candidate.Parameters;

        bool normal = args.Count <= ps.Length
            && ps.Skip(args.Count).All(p => p.IsOptional)
            && args.Select((a, i) => Converts(a, ps[i].Type)).All(ok => ok);
        if (normal) return true;

        if (ps.Length == 0 || !ps[^1].IsParams || ps[^1].Type is not IArrayTypeSymbol paramsArray) return false;
        int fixedCount = ps.Length - 1;
        return args.Count >= fixedCount
            && args.Select((a, i) => Converts(a, i < fixedCount ? ps[i].Type : paramsArray.ElementType)).All(ok => ok);
    }

    bool Converts(ArgumentSyntax argument, ITypeSymbol to) =>
        _model.ClassifyConversion(argument.Expression, to).IsImplicit;

    /// <summary>The argument list of the call a bound method name belongs to, if any.</summary>
    static ArgumentListSyntax? ArgumentsAt(SyntaxNode at)
    {
        switch (at)
        {
            case InvocationExpressionSyntax invocation: return invocation.ArgumentList;
            case BaseObjectCreationExpressionSyntax creation: return creation.ArgumentList;
            case ConstructorInitializerSyntax initializer: return initializer.ArgumentList;
        }
        var current = at;
        while (current.Parent is MemberAccessExpressionSyntax ma && ma.Name == current) current = ma;
        return current.Parent is InvocationExpressionSyntax call && call.Expression == current ? call.ArgumentList : null;
    }

    void CheckProperty(IPropertySymbol property, SyntaxNode at, Access access)
    {
        if (!CheckType(property.ContainingType, at) || !IsExternal(property)) return;
        bool anyAccessorListed = IsListed(property.GetMethod) || IsListed(property.SetMethod);
        if ((access & Access.NameOf) != 0)
        {
            if (!anyAccessorListed && !IsListed(property)) _report.Add(at, $"{Id(property)} {NotListed}");
            return;
        }
        // Listings name accessors (get_X/set_X); a P: line alone is accepted when they list none.
        if ((access & Access.Read) != 0) RequireAccessor(property.GetMethod, property, anyAccessorListed, at);
        if ((access & Access.Write) != 0) RequireAccessor(property.SetMethod, property, anyAccessorListed, at);
    }

    void CheckEvent(IEventSymbol e, SyntaxNode at, Access access)
    {
        if (!CheckType(e.ContainingType, at) || !IsExternal(e)) return;
        bool anyAccessorListed = IsListed(e.AddMethod) || IsListed(e.RemoveMethod);
        if ((access & Access.Add) != 0) RequireAccessor(e.AddMethod, e, anyAccessorListed, at);
        if ((access & Access.Remove) != 0) RequireAccessor(e.RemoveMethod, e, anyAccessorListed, at);
        if ((access & (Access.Add | Access.Remove)) == 0 && !anyAccessorListed && !IsListed(e))
            _report.Add(at, $"{Id(e)} {NotListed}");
    }

    void RequireAccessor(IMethodSymbol? accessor, ISymbol owner, bool anyAccessorListed, SyntaxNode at)
    {
        if (accessor == null) return; // does not compile on .NET either: already an error
        if (IsListed(accessor) || (!anyAccessorListed && IsListed(owner))) return;
        _report.Add(at, $"{Id(accessor)} {NotListed}");
    }

    bool RequireMember(ISymbol member, SyntaxNode at, string? because = null)
    {
        if (IsListed(member)) return true;
        _report.Add(at, because == null ? $"{Id(member)} {NotListed}" : $"{because} needs {Id(member)}, which {NotListed}");
        return false;
    }

    void RequireId(string id, SyntaxNode at, string because)
    {
        if (!_api.Contains(id)) _report.Add(at, $"{because} needs {id}, which {NotListed}");
    }

    /// <summary>
    /// Listed, or an override of a listed member: .NET may override a virtual member in a derived
    /// class where nanoFramework does not, and there the call binds to the base declaration.
    /// </summary>
    bool IsListed(ISymbol? symbol)
    {
        for (var s = symbol; s != null; s = Overridden(s))
            if (_api.Contains(Id(s))) return true;
        return false;
    }

    static ISymbol? Overridden(ISymbol s) => s switch
    {
        IMethodSymbol m => m.OverriddenMethod,
        IPropertySymbol p => p.OverriddenProperty,
        IEventSymbol e => e.OverriddenEvent,
        _ => null,
    };

    /// <summary>Reports a type nanoFramework cannot use; returns whether its members are worth checking.</summary>
    bool CheckType(ITypeSymbol? type, SyntaxNode at)
    {
        switch (type)
        {
            case null:
                return true;
            case IArrayTypeSymbol array:
                return CheckType(array.ElementType, at);
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                _report.Add(at, $"uses pointer type {type.ToDisplayString()} (unsafe code)");
                return false;
            case ITypeParameterSymbol or IErrorTypeSymbol:
                return false; // a generic declaration or a compile error, both reported already
        }
        if (type.TypeKind == TypeKind.Dynamic)
        {
            _report.Add(at, "uses dynamic");
            return false;
        }
        if (type is not INamedTypeSymbol named) return true;
        if (named.IsTupleType)
        {
            _report.Add(at, $"uses tuple type {named.ToDisplayString()} (System.ValueTuple is a generic type)");
            return false;
        }
        if (named.IsAnonymousType)
        {
            _report.Add(at, "uses an anonymous type (compiled as a generic class)");
            return false;
        }
        if (IsGeneric(named))
        {
            _report.Add(at, $"uses {named.OriginalDefinition.ToDisplayString()} (generic type)");
            return false;
        }
        if (!IsExternal(named)) return true;
        var id = Id(named);
        if (_api.Contains(id)) return true;
        _report.Add(at, $"{id} {NotListed}");
        return false;
    }

    static bool IsGeneric(INamedTypeSymbol type) =>
        type.Arity > 0 || (type.ContainingType != null && IsGeneric(type.ContainingType));

    /// <summary>Defined outside the portable sources, or in a stand-in for a nanoFramework-only API.</summary>
    bool IsExternal(ISymbol symbol)
    {
        var assembly = symbol.ContainingAssembly;
        if (assembly == null) return false;
        if (!SymbolEqualityComparer.Default.Equals(assembly, _compilation.Assembly)) return true;
        if (_apiTrees.Count == 0) return false;
        var top = symbol as INamedTypeSymbol ?? symbol.ContainingType;
        if (top == null) return false;
        while (top.ContainingType != null) top = top.ContainingType;
        return top.DeclaringSyntaxReferences.Any(r => _apiTrees.Contains(r.SyntaxTree));
    }

    static string Id(ISymbol symbol) =>
        DocumentationCommentId.CreateDeclarationId(symbol.OriginalDefinition) ?? symbol.ToDisplayString();

    void CollectOwnNamespaces(INamespaceSymbol ns)
    {
        foreach (var type in ns.GetTypeMembers())
        {
            if (IsExternal(type)) continue;
            for (var n = ns; n != null && !n.IsGlobalNamespace; n = n.ContainingNamespace)
                _ownNamespaces.Add(n.ToDisplayString());
        }
        foreach (var child in ns.GetNamespaceMembers()) CollectOwnNamespaces(child);
    }

    /// <summary>Which accessors a property or event use at this name calls.</summary>
    Access AccessOf(SyntaxNode node)
    {
        if (node.Ancestors().Any(IsNameOf)) return Access.NameOf;
        var current = node;
        while (current.Parent is ParenthesizedExpressionSyntax
               || (current.Parent is MemberAccessExpressionSyntax ma && ma.Name == current)
               || (current.Parent is MemberBindingExpressionSyntax mb && mb.Name == current))
            current = current.Parent;

        switch (current.Parent)
        {
            case AssignmentExpressionSyntax a when a.Left == current:
                if (a.Right is InitializerExpressionSyntax) return Access.Read; // nested object initializer
                return a.Kind() switch
                {
                    SyntaxKind.SimpleAssignmentExpression => Access.Write,
                    SyntaxKind.AddAssignmentExpression => Access.Read | Access.Write | Access.Add,
                    SyntaxKind.SubtractAssignmentExpression => Access.Read | Access.Write | Access.Remove,
                    _ => Access.Read | Access.Write,
                };
            case PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression):
                return Access.Read | Access.Write;
            case PostfixUnaryExpressionSyntax:
                return Access.Read | Access.Write;
            case NameEqualsSyntax:
                return Access.Write; // attribute named argument
            case ArgumentSyntax arg when !arg.RefKindKeyword.IsKind(SyntaxKind.None):
                return Access.Read | Access.Write;
            default:
                return Access.Read;
        }
    }

    bool IsNameOf(SyntaxNode node) =>
        node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } } invocation
        && _model.GetSymbolInfo(invocation).Symbol == null;
}
