// class-validator decorator for names that become DNS labels (RFC 1123); the
// message says which rule a bad name broke.
import { dnsLabelProblem } from '@pn/contracts';
import { registerDecorator, type ValidationArguments } from 'class-validator';

export function IsDnsLabel() {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isDnsLabel',
      target: target.constructor,
      propertyName: property,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && dnsLabelProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          typeof args?.value === 'string' ? `${property} ${dnsLabelProblem(args.value)}` : `${property} must be a string`,
      },
    });
}
