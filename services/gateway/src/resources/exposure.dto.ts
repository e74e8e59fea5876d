// Bodies of a VM's public exposure endpoints. Ranges and names are checked
// here (400 naming the field) and again by the rules behind the bus.
import { IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';

export class OpenPortDto {
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  @IsIn(['tcp', 'http'], { message: 'protocol must be one of tcp, http' })
  protocol!: string;
}

export class AddDomainDto {
  @IsString()
  @MaxLength(254)
  domain!: string;
}
