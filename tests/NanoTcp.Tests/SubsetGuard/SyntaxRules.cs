using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NanoTcp.Tests.SubsetGuard;

/// <summary>
/// Language features nanoFramework 1.x cannot run even when they parse as C# 7.3: each either
/// needs generic types at run time, a runtime service the nanoCLR lacks, or unsafe code.
/// </summary>
static class SyntaxRules
{
    public static void Check(SyntaxNode root, GuardReport report)
    {
        foreach (var node in root.DescendantNodes())
        {
            var what = Violation(node);
            if (what != null) report.Add(node, what);
        }

        foreach (var token in root.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.AsyncKeyword))
                report.Add(token.GetLocation(), "uses async (needs generic Task<T> and state machines)");
            else if (token.IsKind(SyntaxKind.UnsafeKeyword))
                report.Add(token.GetLocation(), "uses unsafe code");
            else if (token.IsKind(SyntaxKind.FixedKeyword))
                report.Add(token.GetLocation(), "uses fixed (unsafe code)");
        }
    }

    static string? Violation(SyntaxNode node)
    {
        switch (node)
        {
            case TypeParameterListSyntax list:
                return $"declares generic {DeclarationKind(list.Parent)} (generics throw at run time on nanoFramework)";
            case GenericNameSyntax name:
                return $"uses generic name {name} (generics throw at run time on nanoFramework)";
            case NullableTypeSyntax nullable:
                return $"uses {nullable} (System.Nullable<T> is a generic type)";
            case QueryExpressionSyntax:
                return "uses a LINQ query expression";
            case AwaitExpressionSyntax:
                return "uses await";
            case TupleTypeSyntax:
            case TupleExpressionSyntax:
                return "uses a tuple (System.ValueTuple is a generic type)";
            case ParenthesizedVariableDesignationSyntax:
                return "uses deconstruction into a tuple of variables";
            case StackAllocArrayCreationExpressionSyntax:
            case ImplicitStackAllocArrayCreationExpressionSyntax:
                return "uses stackalloc";
            case StructDeclarationSyntax s when s.Modifiers.Any(SyntaxKind.RefKeyword):
                return "declares a ref struct";
            case InterpolatedStringExpressionSyntax:
                return "uses string interpolation ($\"...\")";
            case EventFieldDeclarationSyntax:
                return "declares a field-like event (its accessors use generic Interlocked.CompareExchange<T>); write add/remove accessors";
            case PointerTypeSyntax:
                return "uses unsafe code";
            case PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.AddressOfExpression) || p.IsKind(SyntaxKind.PointerIndirectionExpression):
                return "uses a pointer operator (unsafe code)";
            case MemberAccessExpressionSyntax m when m.IsKind(SyntaxKind.PointerMemberAccessExpression):
                return "uses -> (unsafe code)";
            case YieldStatementSyntax:
                return "uses an iterator (yield)";
            case AnonymousObjectCreationExpressionSyntax:
                return "uses an anonymous type (compiled as a generic class)";
            case MakeRefExpressionSyntax:
            case RefTypeExpressionSyntax:
            case RefValueExpressionSyntax:
                return "uses a TypedReference keyword (__makeref/__reftype/__refvalue)";
            case LiteralExpressionSyntax l when l.IsKind(SyntaxKind.ArgListExpression):
                return "uses __arglist";
            default:
                return null;
        }
    }

    static string DeclarationKind(SyntaxNode? declaration) => declaration switch
    {
        MethodDeclarationSyntax m => $"method {m.Identifier}<>",
        LocalFunctionStatementSyntax f => $"local function {f.Identifier}<>",
        DelegateDeclarationSyntax d => $"delegate {d.Identifier}<>",
        BaseTypeDeclarationSyntax t => $"type {t.Identifier}<>",
        _ => "declaration",
    };
}
