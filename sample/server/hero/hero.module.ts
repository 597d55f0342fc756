import { Module } from '@nestjs/common';
import { HeroController } from './hero.controller.js';

@Module({ controllers: [HeroController] })
export class HeroModule {}
